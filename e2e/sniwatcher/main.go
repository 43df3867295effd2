// Command sniwatcher stands in for a desktop's tray host in tests: it is a
// StatusNotifierWatcher on the session bus that reports the tray icons that register
// with it, and it can read and click their com.canonical.dbusmenu menus, as a panel
// would when a person clicks an item.
//
//	sniwatcher watch                      own org.kde.StatusNotifierWatcher; print "registered SERVICE PATH"
//	sniwatcher menu  SERVICE              print each menu item: "ID<TAB>toggle-state<TAB>label"
//	sniwatcher click SERVICE LABEL        click the first item whose label starts with LABEL
package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"
)

const (
	watcherName = "org.kde.StatusNotifierWatcher"
	watcherPath = "/StatusNotifierWatcher"
	itemPath    = "/StatusNotifierItem"
	menuIface   = "com.canonical.dbusmenu"
)

func main() {
	if len(os.Args) < 2 {
		fail("usage: sniwatcher watch | menu SERVICE | click SERVICE LABEL")
	}
	conn, err := dbus.SessionBus()
	if err != nil {
		fail("session bus: %v", err)
	}
	switch {
	case os.Args[1] == "watch":
		watch(conn)
	case os.Args[1] == "menu" && len(os.Args) == 3:
		for _, it := range items(conn, os.Args[2]) {
			fmt.Printf("%d\t%d\t%s\n", it.id, it.toggle, it.label)
		}
	case os.Args[1] == "click" && len(os.Args) == 4:
		for _, it := range items(conn, os.Args[2]) {
			if strings.HasPrefix(it.label, os.Args[3]) {
				call := conn.Object(os.Args[2], menuOf(conn, os.Args[2])).Call(menuIface+".Event", 0,
					it.id, "clicked", dbus.MakeVariant(""), uint32(time.Now().Unix()))
				if call.Err != nil {
					fail("click %q: %v", it.label, call.Err)
				}
				fmt.Println("clicked", it.id, it.label)
				return
			}
		}
		fail("no menu item starts with %q", os.Args[3])
	default:
		fail("usage: sniwatcher watch | menu SERVICE | click SERVICE LABEL")
	}
}

type watcher struct{ conn *dbus.Conn }

// RegisterStatusNotifierItem is what a tray icon calls; the sender is its service.
func (w watcher) RegisterStatusNotifierItem(path string, sender dbus.Sender) *dbus.Error {
	fmt.Printf("registered %s %s\n", sender, path)
	return nil
}

// RegisterStatusNotifierHost accepts a host, as the spec asks a watcher to.
func (w watcher) RegisterStatusNotifierHost(string) *dbus.Error { return nil }

func watch(conn *dbus.Conn) {
	w := watcher{conn}
	if err := conn.Export(w, watcherPath, watcherName); err != nil {
		fail("export watcher: %v", err)
	}
	_, err := prop.Export(conn, watcherPath, prop.Map{watcherName: {
		"RegisteredStatusNotifierItems":  {Value: []string{}},
		"IsStatusNotifierHostRegistered": {Value: true},
		"ProtocolVersion":                {Value: int32(0)},
	}})
	if err != nil {
		fail("export watcher properties: %v", err)
	}
	reply, err := conn.RequestName(watcherName, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		fail("own %s: %v (reply %v)", watcherName, err, reply)
	}
	fmt.Println("watching")
	select {} // until killed
}

type item struct {
	id     int32
	toggle int32
	label  string
}

// menuOf reads where service's menu lives, from its item's Menu property, as a
// panel does.
func menuOf(conn *dbus.Conn, service string) dbus.ObjectPath {
	v, err := conn.Object(service, itemPath).GetProperty("org.kde.StatusNotifierItem.Menu")
	if err != nil {
		fail("read the Menu property of %s: %v", service, err)
	}
	p, ok := v.Value().(dbus.ObjectPath)
	if !ok {
		fail("the Menu property of %s is %T, not an object path", service, v.Value())
	}
	return p
}

// items reads the whole menu layout of service.
func items(conn *dbus.Conn, service string) []item {
	var revision uint32
	var layout []any
	err := conn.Object(service, menuOf(conn, service)).Call(menuIface+".GetLayout", 0, int32(0), int32(-1), []string{}).
		Store(&revision, &layout)
	if err != nil {
		fail("GetLayout from %s: %v", service, err)
	}
	var out []item
	walk(layout, &out)
	return out
}

// walk visits a layout node, (ia{sv}av), and its children.
func walk(node []any, out *[]item) {
	if len(node) != 3 {
		return
	}
	id, _ := node[0].(int32)
	props, _ := node[1].(map[string]dbus.Variant)
	if label, ok := props["label"].Value().(string); ok {
		it := item{id: id, label: label, toggle: -1}
		if v, ok := props["toggle-state"].Value().(int32); ok {
			it.toggle = v
		}
		*out = append(*out, it)
	}
	children, _ := node[2].([]dbus.Variant)
	for _, c := range children {
		if child, ok := c.Value().([]any); ok {
			walk(child, out)
		}
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "sniwatcher: "+format+"\n", args...)
	os.Exit(1)
}
