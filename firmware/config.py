# Board configuration: the reference build (see hardware/README.md).
# Seeed Studio XIAO ESP32-S3 + Adafruit LSM6DSOX breakout (STEMMA QT) on the shin.
# Other boards: hardware/boards/*.py (`dorsi firmware deploy --board NAME` installs one as config.py).

NAME = "dorsi-S1"  # <= 8 bytes: it must fit the advertising data next to the service UUID
ROLE = "shin"  # "shin" or "foot"

# I2C (XIAO ESP32-S3: D4 = GPIO5 = SDA, D5 = GPIO6 = SCL)
I2C_ID = 0
I2C_SDA = 5
I2C_SCL = 6
I2C_FREQ = 400000

IMU = "auto"  # "auto" (WHO_AM_I), "lsm6ds" or "mpu6x"
IMU_ADDR = None  # None: probe 0x6A/0x6B then 0x68/0x69
RATE_HZ = 100  # 25..200
ACC_FS_G = 4
GYR_FS_DPS = 500

# Worn axes from chip axes: worn x (up the shin), y, z (out of the front of the shin).
# Adafruit LSM6DSOX breakout mounted with its silkscreen arrow X pointing to the knee
# and the chip facing away from the leg: worn frame = chip frame.
AXES = "+x+y+z"

RING_SECONDS = 32  # store-and-forward depth at 100 Hz

# fusion gains (docs/firmware.md)
KP = 0.5
KI = 0.05
KP_FAST = 8.0
ACC_GATE = 0.15

# battery: XIAO ESP32-S3 has no on-board divider; A0 (GPIO1) reads the cell through 2 x 220k
BATTERY_ADC_PIN = 1
BATTERY_DIVIDER = 2.0
LED_PIN = 21  # XIAO ESP32-S3 user LED (active low)
LED_ACTIVE_LOW = True

WDT_TIMEOUT_MS = 4000
MANUFACTURER = "dorsi"
MODEL = "dorsi-1 XIAO-S3"

# BLE security (docs/security.md): LE Secure Connections, bonding, Just Works
SECURE_CONTROL = True  # control writes only from an encrypted, bonded central (else NOT_AUTHORIZED)
SECURE_STREAM = False  # True: the stream only to an encrypted, bonded central as well
PAIRING_WINDOW_S = 120  # new bonds only this long after power-on or a long button press
PAIRING_AT_BOOT = True  # False: the window opens only when the button is held 2 s
MAX_BONDS = 4
BOND_FILE = "bonds.json"  # key store in flash
ADDR_MODE = 2  # resolvable private address (NimBLE rotates it)
BUTTON_PIN = 0  # XIAO ESP32-S3 BOOT button (GPIO0, active low): hold 2 s = pairing window,
BUTTON_ACTIVE_LOW = True  # hold 5 s while powering on = factory reset (bonds cleared)

# power (docs/firmware.md, "Sleep"): deep sleep after this long with no central connected and the
# sensor lying still (0: never); a press of the button wakes it (WAKE_PIN: another RTC pin instead)
SLEEP_AFTER_S = 300
