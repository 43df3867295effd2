"""Finds an element of a desktop window as a screen reader would, through AT-SPI (the
accessibility bus of the session in DBUS_SESSION_BUS_ADDRESS), and prints where it is
on the screen as one JSON line: {"name", "role", "x", "y", "width", "height"}, or null.

    accessible.py --name 'Drag out' [--prefix] [--role link] [--within dialog] [--focused] [--app llmtap]

WebKitGTK exposes the page's elements with their accessible names and roles, so the
desktop test can point at the drag handle wherever the layout puts it. Needs Debian's
python3-gi and gir1.2-atspi-2.0 (run with /usr/bin/python3)."""

import argparse
import json

import gi

gi.require_version("Atspi", "2.0")
from gi.repository import Atspi  # noqa: E402


def matches(o, args):
    name = (o.get_name() or "").strip()
    if args.prefix:
        if not name.startswith(args.name):
            return False
    elif name != args.name:
        return False
    return args.role is None or o.get_role_name() == args.role


def find(o, args, inside, depth=0):
    if depth > 60:
        return None
    try:
        role = o.get_role_name()
        if (inside or args.within is None) and matches(o, args):
            states = o.get_state_set()
            e = o.get_extents(Atspi.CoordType.SCREEN)
            focused = not args.focused or states.contains(Atspi.StateType.FOCUSED)
            if states.contains(Atspi.StateType.SHOWING) and e.width > 0 and e.height > 0 and focused:
                return {"name": o.get_name(), "role": role, "x": e.x, "y": e.y, "width": e.width, "height": e.height}
        inside = inside or role == args.within
        for i in range(o.get_child_count()):
            c = o.get_child_at_index(i)
            if c is not None:
                found = find(c, args, inside, depth + 1)
                if found:
                    return found
    except gi.repository.GLib.Error:
        return None  # the element went away while we looked
    return None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--name", required=True)
    p.add_argument("--prefix", action="store_true", help="match names that start with --name")
    p.add_argument("--role")
    p.add_argument("--within", help="only inside an element of this role (e.g. dialog)")
    p.add_argument("--focused", action="store_true", help="only while it has the keyboard focus")
    p.add_argument("--app", default="llmtap")
    args = p.parse_args()
    desktop = Atspi.get_desktop(0)
    found = None
    for i in range(desktop.get_child_count()):
        app = desktop.get_child_at_index(i)
        if app is not None and app.get_name() == args.app:
            found = find(app, args, False)
            if found:
                break
    print(json.dumps(found))


if __name__ == "__main__":
    main()
