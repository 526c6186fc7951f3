# Board entry point: wires the real hardware behind the seams and runs the device.
import time

import machine

import config
from app import Device
from battery import BatteryADC
from bonds import BondStore, FileStorage


def _led():
    pin_no = getattr(config, "LED_PIN", None)
    if pin_no is None:
        return None
    pin = machine.Pin(pin_no, machine.Pin.OUT)
    low = getattr(config, "LED_ACTIVE_LOW", False)

    def led(on):
        pin.value((not on) if low else on)

    return led


def _battery():
    pin_no = getattr(config, "BATTERY_ADC_PIN", None)
    if pin_no is None:
        return None
    adc = machine.ADC(machine.Pin(pin_no))
    try:
        adc.atten(machine.ADC.ATTN_11DB)
    except AttributeError:
        pass
    return BatteryADC(adc, getattr(config, "BATTERY_DIVIDER", 2.0))


def _button():
    pin_no = getattr(config, "BUTTON_PIN", None)
    if pin_no is None:
        return None
    pin = machine.Pin(pin_no, machine.Pin.IN, machine.Pin.PULL_UP)
    low = getattr(config, "BUTTON_ACTIVE_LOW", True)

    def pressed():
        return pin.value() == (0 if low else 1)

    return pressed


def _bonds():
    return BondStore(FileStorage(getattr(config, "BOND_FILE", "bonds.json")), time,
                     max_bonds=getattr(config, "MAX_BONDS", 4),
                     window_ms=getattr(config, "PAIRING_WINDOW_S", 120) * 1000)


def main():
    import bluetooth

    i2c = machine.I2C(config.I2C_ID, sda=machine.Pin(config.I2C_SDA), scl=machine.Pin(config.I2C_SCL),
                      freq=config.I2C_FREQ)
    wdt = machine.WDT(timeout=config.WDT_TIMEOUT_MS)
    dev = Device(config, i2c, bluetooth.BLE(), time, wdt=wdt, battery=_battery(), led=_led(),
                 bonds=_bonds(), button=_button())
    dev.run()


try:
    main()
except KeyboardInterrupt:
    pass
except Exception as e:  # last resort: anything escaping the loop resets the board
    print("fatal:", repr(e))
    time.sleep_ms(500)
    machine.reset()
