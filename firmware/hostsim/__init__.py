# Host-side simulation of the board (not deployed): clock, I2C IMUs, motion files.
