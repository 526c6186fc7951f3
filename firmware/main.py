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


def _sleeper():
    """Deep sleep, woken by the button (a wake is a reset: main.py runs again).

    ESP32 and ESP32-S3 wake on an RTC pin (ext0; the BOOT button on GPIO0 is
    one); ports without ext0 (ESP32-C3: GPIO0-5 only) take a level interrupt
    with wake=DEEPSLEEP. Returns False, without sleeping, if neither can be
    armed: a sensor nobody can wake must not sleep."""
    pin_no = getattr(config, "WAKE_PIN", getattr(config, "BUTTON_PIN", None))
    if pin_no is None:
        return None
    low = getattr(config, "BUTTON_ACTIVE_LOW", True)

    def sleep():
        pin = machine.Pin(pin_no, machine.Pin.IN, machine.Pin.PULL_UP if low else machine.Pin.PULL_DOWN)
        try:
            import esp32

            esp32.wake_on_ext0(pin, esp32.WAKEUP_ALL_LOW if low else esp32.WAKEUP_ANY_HIGH)
        except (ImportError, AttributeError, ValueError, OSError):
            try:
                pin.irq(trigger=machine.Pin.IRQ_LOW_LEVEL if low else machine.Pin.IRQ_HIGH_LEVEL,
                        wake=machine.DEEPSLEEP)
            except (AttributeError, TypeError, ValueError, OSError):
                return False
        machine.deepsleep()

    return sleep


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
                 bonds=_bonds(), button=_button(), sleeper=_sleeper())
    dev.run()


try:
    main()
except KeyboardInterrupt:
    pass
except Exception as e:  # last resort: anything escaping the loop resets the board
    print("fatal:", repr(e))
    time.sleep_ms(500)
    machine.reset()
