package providerfile

import (
	"errors"
	"os"
	"strings"
)

// Keychain keeps secrets by name: the OS keychain (SecretService on Linux) or a
// fake in tests. Implementations are safe for concurrent use.
type Keychain interface {
	// Get returns the secret stored as name, or ErrNoSecret.
	Get(name string) (string, error)
	// Set stores secret as name, replacing what was there.
	Set(name, secret string) error
}

// ErrNoSecret is returned by Keychain.Get for a name it does not hold.
var ErrNoSecret = errors.New("no such secret in the keychain")

// keychainRef is the prefix of a reference to a keychain secret: ${keychain:NAME}.
const keychainRef = "keychain:"

// Ref is how the file refers to the keychain secret name.
func Ref(name string) string { return "${" + keychainRef + name + "}" }

// Getenv returns the function the gateway expands ${…} in keys with
// (gateway.Config.Getenv): ${keychain:NAME} is read from kc, anything else from
// env (nil: os.Getenv). A secret kc cannot give (no keychain, locked, missing)
// expands to "", which the gateway shows as the key's reason for being disabled.
func Getenv(kc Keychain, env func(string) string) func(string) string {
	if env == nil {
		env = os.Getenv
	}
	return func(name string) string {
		if n, ok := strings.CutPrefix(name, keychainRef); ok {
			if kc == nil {
				return ""
			}
			v, err := kc.Get(n)
			if err != nil {
				return ""
			}
			return v
		}
		return env(name)
	}
}
