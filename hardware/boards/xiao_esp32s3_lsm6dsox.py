# Reference build, shin: Seeed Studio XIAO ESP32-S3 + Adafruit LSM6DSOX (STEMMA QT, #4438).
# Only board-specific settings: sampling, ranges and fusion gains default to
# firmware/app.py (_Defaults), the one place they are set.
# Installed as config.py by `dorsi firmware deploy --board xiao_esp32s3_lsm6dsox`.
MPY_ARCH = "xtensawin"

NAME = "dorsi-S1"
ROLE = "shin"

I2C_ID = 0
I2C_SDA = 5  # D4
I2C_SCL = 6  # D5
I2C_FREQ = 400000

IMU = "lsm6ds"
IMU_ADDR = 0x6A
# breakout strapped with its silkscreen +X toward the knee, chip side away from the leg
AXES = "+x+y+z"

BATTERY_ADC_PIN = 1  # A0 through a 2 x 220 kOhm divider from BAT+
BATTERY_DIVIDER = 2.0
LED_PIN = 21
LED_ACTIVE_LOW = True
WDT_TIMEOUT_MS = 4000
MODEL = "dorsi-1 XIAO-S3"
BUTTON_PIN = 0  # XIAO ESP32-S3 BOOT button (GPIO0, active low): pairing window, and wakes the sensor from sleep
