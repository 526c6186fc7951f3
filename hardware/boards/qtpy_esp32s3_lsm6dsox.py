# Alternative build: Adafruit QT Py ESP32-S3 (#5426) + Adafruit LSM6DSOX on the STEMMA QT cable.
MPY_ARCH = "xtensawin"

NAME = "dorsi-S1"
ROLE = "shin"

I2C_ID = 0
I2C_SDA = 41  # STEMMA QT port (SDA1)
I2C_SCL = 40  # STEMMA QT port (SCL1)
I2C_FREQ = 400000

IMU = "lsm6ds"
IMU_ADDR = 0x6A
# breakout turned a quarter turn: its -Y arrow points to the knee, its +X to the wearer's right
AXES = "-y+x+z"

BATTERY_ADC_PIN = 9  # A2 (GPIO9) through a 2 x 220 kOhm divider from the charger's BAT pin
BATTERY_DIVIDER = 2.0
LED_PIN = None  # the QT Py's LED is a NeoPixel; identify blinks are skipped
WDT_TIMEOUT_MS = 4000
MODEL = "dorsi-1 QTPY-S3"
BUTTON_PIN = 0  # QT Py ESP32-S3 BOOT button (GPIO0, active low): pairing window, and wakes the sensor from sleep
