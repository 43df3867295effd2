package providerfile

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/godbus/dbus/v5"
)

// fakeSecrets serves the part of the Secret Service API that SecretService uses
// (OpenSession plain, SearchItems, ReadAlias, CreateItem, GetSecret) on a real bus,
// so that the test checks llmtap's D-Bus calls and their signatures end to end.
// Its items are kept in memory by their attributes.
type fakeSecrets struct {
	conn  *dbus.Conn
	mu    sync.Mutex
	items map[string]ssSecret // "name" attribute → secret
	calls []string
}

func (f *fakeSecrets) OpenSession(alg string, _ dbus.Variant) (dbus.Variant, dbus.ObjectPath, *dbus.Error) {
	f.log("OpenSession " + alg)
	if alg != "plain" {
		return dbus.MakeVariant(""), "/", dbus.MakeFailedError(fmt.Errorf("algorithm %s not supported", alg))
	}
	return dbus.MakeVariant(""), "/org/freedesktop/secrets/session/1", nil
}

func (f *fakeSecrets) SearchItems(attrs map[string]string) ([]dbus.ObjectPath, []dbus.ObjectPath, *dbus.Error) {
	f.log("SearchItems " + attrs["application"] + " " + attrs["name"])
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.items[attrs["name"]]; ok && attrs["application"] == "llmtap" {
		return []dbus.ObjectPath{itemPath(attrs["name"])}, []dbus.ObjectPath{}, nil
	}
	return []dbus.ObjectPath{}, []dbus.ObjectPath{}, nil
}

func (f *fakeSecrets) ReadAlias(name string) (dbus.ObjectPath, *dbus.Error) {
	f.log("ReadAlias " + name)
	return "/org/freedesktop/secrets/collection/login", nil
}

func (f *fakeSecrets) log(s string) {
	f.mu.Lock()
	f.calls = append(f.calls, s)
	f.mu.Unlock()
}

func itemPath(name string) dbus.ObjectPath {
	return dbus.ObjectPath("/org/freedesktop/secrets/collection/login/" + strings.ReplaceAll(name, "-", "_"))
}

type fakeCollection struct{ f *fakeSecrets }

func (c fakeCollection) CreateItem(props map[string]dbus.Variant, sec ssSecret, replace bool) (dbus.ObjectPath, dbus.ObjectPath, *dbus.Error) {
	attrs, ok := props[ssItem+".Attributes"].Value().(map[string]string)
	if !ok || !replace || sec.ContentType != "text/plain" {
		return "/", "/", dbus.MakeFailedError(fmt.Errorf("bad CreateItem: %v %v %q", props, replace, sec.ContentType))
	}
	c.f.log("CreateItem " + attrs["name"])
	c.f.mu.Lock()
	c.f.items[attrs["name"]] = sec
	c.f.mu.Unlock()
	p := itemPath(attrs["name"])
	if err := c.f.conn.Export(fakeItem{c.f, attrs["name"]}, p, ssItem); err != nil {
		return "/", "/", dbus.MakeFailedError(err)
	}
	return p, "/", nil
}

type fakeItem struct {
	f    *fakeSecrets
	name string
}

func (i fakeItem) Delete() (dbus.ObjectPath, *dbus.Error) {
	i.f.log("Delete " + i.name)
	i.f.mu.Lock()
	delete(i.f.items, i.name)
	i.f.mu.Unlock()
	return "/", nil
}

func (i fakeItem) GetSecret(session dbus.ObjectPath) (ssSecret, *dbus.Error) {
	i.f.mu.Lock()
	defer i.f.mu.Unlock()
	s := i.f.items[i.name]
	s.Session = session
	return s, nil
}

// busConfig is a session bus with no service folders: nothing on it is D-Bus
// activated (a gnome-keyring installed here would be), so each test says who
// provides the Secret Service.
const busConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=%s</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

// privateBus starts a dbus-daemon of its own and points DBUS_SESSION_BUS_ADDRESS at it.
func privateBus(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("dbus-daemon"); err != nil {
		t.Skip("no dbus-daemon here: the Secret Service client is untested against a bus")
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "bus.conf")
	// The socket goes in the temp folder itself: a test's own folder can make its
	// path longer than a socket's 108 bytes.
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(busConfig, os.TempDir())), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("dbus-daemon", "--config-file="+conf, "--nofork", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	addr = strings.TrimSpace(addr)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	return addr
}

// serveFakeSecrets provides fakeSecrets on the bus at addr.
func serveFakeSecrets(t *testing.T, addr string) *fakeSecrets {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	f := &fakeSecrets{conn: conn, items: map[string]ssSecret{}}
	for _, e := range []error{
		conn.Export(f, ssPath, ssService),
		conn.Export(fakeCollection{f}, "/org/freedesktop/secrets/collection/login", ssCollection),
	} {
		if e != nil {
			t.Fatal(e)
		}
	}
	if reply, err := conn.RequestName(ssName, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("RequestName = %v, %v", reply, err)
	}
	return f
}

func TestSystemKeychainOnABus(t *testing.T) {
	addr := privateBus(t)

	// Before anybody provides the service: not available, keys stay in the file.
	if NewSystem().Available() {
		t.Fatal("a keychain without a Secret Service on the bus")
	}
	f := serveFakeSecrets(t, addr)

	kc := NewSystem()
	if !kc.Available() {
		_, err := kc.open()
		t.Fatalf("no keychain: %v", err)
	}
	if _, err := kc.Get("groq-1"); err != ErrNoSecret {
		t.Fatalf("Get of a missing secret = %v, want ErrNoSecret", err)
	}
	if err := kc.Set("groq-1", "gsk-real-bus-secret"); err != nil {
		t.Fatal(err)
	}
	if v, err := kc.Get("groq-1"); err != nil || v != "gsk-real-bus-secret" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	if got := Getenv(kc, nil)("keychain:groq-1"); got != "gsk-real-bus-secret" {
		t.Fatalf("Getenv = %q", got)
	}
	want := "OpenSession plain|SearchItems llmtap groq-1|ReadAlias default|CreateItem groq-1|SearchItems llmtap groq-1|SearchItems llmtap groq-1"
	f.mu.Lock()
	defer f.mu.Unlock()
	if got := strings.Join(f.calls, "|"); got != want {
		t.Errorf("calls:\n%s\nwant\n%s", got, want)
	}
}
