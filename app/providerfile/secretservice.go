package providerfile

import (
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/godbus/dbus/v5"
)

// The freedesktop Secret Service API (gnome-keyring, KeePassXC, KWallet 6),
// https://specifications.freedesktop.org/secret-service-spec/latest/.
const (
	ssName       = "org.freedesktop.secrets"
	ssPath       = dbus.ObjectPath("/org/freedesktop/secrets")
	ssService    = "org.freedesktop.Secret.Service"
	ssCollection = "org.freedesktop.Secret.Collection"
	ssItem       = "org.freedesktop.Secret.Item"
	noPrompt     = dbus.ObjectPath("/")
)

// ssSecret is the Secret struct of the spec, (oayays).
type ssSecret struct {
	Session     dbus.ObjectPath
	Parameters  []byte
	Value       []byte
	ContentType string
}

// SecretService is a Keychain on the session bus's Secret Service. Items carry
// the attributes application=llmtap and name=NAME, in the default collection.
// It is safe for concurrent use.
type SecretService struct {
	mu      sync.Mutex
	conn    *dbus.Conn
	session dbus.ObjectPath
}

// OpenSecretService connects to the Secret Service on the session bus; it fails
// when there is no session bus or nobody provides the service.
func OpenSecretService() (*SecretService, error) {
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		return nil, fmt.Errorf("keychain: no session bus: %w", err)
	}
	var has bool
	if err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, ssName).Store(&has); err == nil && !has {
		// Not running: it may still be D-Bus activatable.
		var names []string
		_ = conn.BusObject().Call("org.freedesktop.DBus.ListActivatableNames", 0).Store(&names)
		found := false
		for _, n := range names {
			found = found || n == ssName
		}
		if !found {
			_ = conn.Close()
			return nil, errors.New("keychain: no Secret Service on the session bus")
		}
	}
	var out dbus.Variant
	var session dbus.ObjectPath
	err = conn.Object(ssName, ssPath).Call(ssService+".OpenSession", 0, "plain", dbus.MakeVariant("")).Store(&out, &session)
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("keychain: open session: %w", err)
	}
	return &SecretService{conn: conn, session: session}, nil
}

// Close ends the session and the connection.
func (s *SecretService) Close() error { return s.conn.Close() }

func attrs(name string) map[string]string {
	return map[string]string{"application": "llmtap", "name": name}
}

// Get implements Keychain. A locked item counts as missing: llmtap never raises
// an unlock prompt from a background reload.
func (s *SecretService) Get(name string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var unlocked, locked []dbus.ObjectPath
	svc := s.conn.Object(ssName, ssPath)
	if err := svc.Call(ssService+".SearchItems", 0, attrs(name)).Store(&unlocked, &locked); err != nil {
		return "", fmt.Errorf("keychain: search: %w", err)
	}
	if len(unlocked) == 0 {
		if len(locked) > 0 {
			return "", fmt.Errorf("keychain: %s is locked", name)
		}
		return "", ErrNoSecret
	}
	var sec ssSecret
	if err := s.conn.Object(ssName, unlocked[0]).Call(ssItem+".GetSecret", 0, s.session).Store(&sec); err != nil {
		return "", fmt.Errorf("keychain: read %s: %w", name, err)
	}
	return string(sec.Value), nil
}

// Set implements Keychain, in the default collection ("login" on GNOME).
func (s *SecretService) Set(name, secret string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var coll dbus.ObjectPath
	svc := s.conn.Object(ssName, ssPath)
	if err := svc.Call(ssService+".ReadAlias", 0, "default").Store(&coll); err != nil {
		return fmt.Errorf("keychain: default collection: %w", err)
	}
	if coll == noPrompt {
		return errors.New("keychain: the Secret Service has no default collection")
	}
	props := map[string]dbus.Variant{
		ssItem + ".Label":      dbus.MakeVariant("llmtap: " + name),
		ssItem + ".Attributes": dbus.MakeVariant(attrs(name)),
	}
	sec := ssSecret{Session: s.session, Value: []byte(secret), ContentType: "text/plain"}
	var item, prompt dbus.ObjectPath
	if err := s.conn.Object(ssName, coll).Call(ssCollection+".CreateItem", 0, props, sec, true).Store(&item, &prompt); err != nil {
		return fmt.Errorf("keychain: store %s: %w", name, err)
	}
	if prompt != noPrompt {
		return errors.New("keychain: the keychain is locked; unlock it and try again")
	}
	return nil
}

// Delete removes every item stored as name; none is not an error. A locked item
// is left, with an error that says so.
func (s *SecretService) Delete(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var unlocked, locked []dbus.ObjectPath
	if err := s.conn.Object(ssName, ssPath).Call(ssService+".SearchItems", 0, attrs(name)).Store(&unlocked, &locked); err != nil {
		return fmt.Errorf("keychain: search: %w", err)
	}
	for _, item := range unlocked {
		var prompt dbus.ObjectPath
		if err := s.conn.Object(ssName, item).Call(ssItem+".Delete", 0).Store(&prompt); err != nil {
			return fmt.Errorf("keychain: delete %s: %w", name, err)
		}
		if prompt != noPrompt {
			return fmt.Errorf("keychain: deleting %s needs a prompt; unlock the keychain and try again", name)
		}
	}
	if len(locked) > 0 {
		return fmt.Errorf("keychain: %s is locked", name)
	}
	return nil
}

// System is the OS keychain, connected on first use (so New does no I/O): the
// Secret Service on the session bus. Without one (no session bus, nobody
// providing the service), Available is false and Get and Set fail. It is safe for
// concurrent use.
type System struct {
	once sync.Once
	ss   *SecretService
	err  error
}

// NewSystem returns the OS keychain, not yet connected.
func NewSystem() *System { return &System{} }

func (s *System) open() (*SecretService, error) {
	s.once.Do(func() {
		// Never autolaunch a bus (dbus-launch) from a headless server.
		if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
			s.err = errors.New("keychain: no session bus (DBUS_SESSION_BUS_ADDRESS is not set)")
			return
		}
		s.ss, s.err = OpenSecretService()
	})
	return s.ss, s.err
}

// Available reports whether there is a keychain to keep keys in.
func (s *System) Available() bool {
	_, err := s.open()
	return err == nil
}

// Get implements Keychain.
func (s *System) Get(name string) (string, error) {
	ss, err := s.open()
	if err != nil {
		return "", err
	}
	return ss.Get(name)
}

// Set implements Keychain.
func (s *System) Set(name, secret string) error {
	ss, err := s.open()
	if err != nil {
		return err
	}
	return ss.Set(name, secret)
}

// Delete removes the secret stored as name (see SecretService.Delete).
func (s *System) Delete(name string) error {
	ss, err := s.open()
	if err != nil {
		return err
	}
	return ss.Delete(name)
}
