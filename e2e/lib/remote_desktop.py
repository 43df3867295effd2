"""A mouse for a headless GNOME (Mutter) session, through Mutter's RemoteDesktop D-Bus
API, as GNOME's own remote desktop does. Commands on stdin, one per line, each
answered "ok" (or "error: ...") on stdout once Mutter took it:

    move X Y     put the pointer at X, Y of the screen (all monitors)
    down / up    press / let go of the left button
    keys A+B     press the X keysyms named A then B, let go in reverse (Super_L+Up)
    type TEXT    type the rest of the line, a character at a time

Mutter takes calls only from the connection that created the session, so one process
keeps it. Absolute motion would need a screen-cast stream (PipeWire), so the pointer
is first pushed into the top-left corner and then moved by relative steps, which
virtual devices take one to one. Needs Debian's python3-gi (run with /usr/bin/python3)
and DBUS_SESSION_BUS_ADDRESS naming Mutter's bus."""

import sys
import time

import gi

gi.require_version("Gdk", "3.0")
from gi.repository import Gdk, Gio, GLib  # noqa: E402

BTN_LEFT = 0x110  # linux/input-event-codes.h
NAME = "org.gnome.Mutter.RemoteDesktop"
SESSION = NAME + ".Session"


def main():
    bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)

    def call(path, iface, method, args=None, reply=None):
        return bus.call_sync(NAME, path, iface, method, args,
                             GLib.VariantType(reply) if reply else None,
                             Gio.DBusCallFlags.NONE, 10000, None)

    session = call("/org/gnome/Mutter/RemoteDesktop", NAME, "CreateSession", None, "(o)").unpack()[0]
    call(session, SESSION, "Start")

    def relative(dx, dy):
        call(session, SESSION, "NotifyPointerMotionRelative", GLib.Variant("(dd)", (float(dx), float(dy))))

    relative(-100000, -100000)  # into the corner: the pointer is at 0, 0
    # The seat gets its keyboard with the first key: press one now, so that windows
    # get the keyboard focus (and say so) as soon as Mutter focuses them.
    for pressed in (True, False):
        call(session, SESSION, "NotifyKeyboardKeysym", GLib.Variant("(ub)", (Gdk.KEY_Shift_L, pressed)))
    at = [0, 0]
    print("ready", flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        try:
            if words[0] == "move":
                x, y = int(words[1]), int(words[2])
                relative(x - at[0], y - at[1])
                at = [x, y]
            elif words[0] in ("down", "up"):
                call(session, SESSION, "NotifyPointerButton", GLib.Variant("(ib)", (BTN_LEFT, words[0] == "down")))
            elif words[0] == "type":
                for c in line.rstrip("\n").split(" ", 1)[1]:
                    k = Gdk.unicode_to_keyval(ord(c))
                    for pressed in (True, False):
                        call(session, SESSION, "NotifyKeyboardKeysym", GLib.Variant("(ub)", (k, pressed)))
                    time.sleep(0.03)  # as a person types, and as xdotool's default
            elif words[0] == "keys":
                syms = [Gdk.keyval_from_name(n) for n in words[1].split("+")]
                if 0xFFFFFF in syms or 0 in syms:
                    raise ValueError("unknown key in " + words[1])
                for pressed, order in ((True, syms), (False, syms[::-1])):
                    for k in order:
                        call(session, SESSION, "NotifyKeyboardKeysym", GLib.Variant("(ub)", (k, pressed)))
            else:
                raise ValueError("unknown command " + words[0])
            print("ok", flush=True)
        except (GLib.Error, ValueError, IndexError) as e:
            print("error: " + str(e), flush=True)


if __name__ == "__main__":
    main()
