# Low-cost build: Seeed Studio XIAO ESP32-C3 + GY-521 (MPU-6050) breakout.
MPY_ARCH = "rv32imc"

NAME = "dorsi-S1"
ROLE = "shin"

I2C_ID = 0
I2C_SDA = 6  # D4
I2C_SCL = 7  # D5
I2C_FREQ = 400000

IMU = "mpu6x"
IMU_ADDR = 0x68
# GY-521 strapped with its printed Y arrow toward the knee, X arrow to the wearer's left, chip away from the leg
AXES = "+y-x+z"

BATTERY_ADC_PIN = 2  # A0 (GPIO2) through a 2 x 220 kOhm divider
BATTERY_DIVIDER = 2.0
LED_PIN = None  # no user LED on the XIAO ESP32-C3
WDT_TIMEOUT_MS = 4000
MODEL = "dorsi-1 XIAO-C3"
# no wake button: the C3 wakes from deep sleep only on GPIO0-5 (its BOOT button is GPIO9), so this
# build never sleeps unless a button on one of those is wired and set as WAKE_PIN
