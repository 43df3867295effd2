package providerfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/llmtap/llmtap/gateway"
)

// FieldError is a file refused: where, and why. Line is 1-based (0: unknown) and
// Field names the field as the gateway does ("providers[0].kind"; "" for a YAML
// syntax error).
type FieldError struct {
	Line  int    `json:"line"`
	Field string `json:"field"`
	Msg   string `json:"error"`
}

func (e *FieldError) Error() string {
	switch {
	case e.Line > 0 && e.Field != "":
		return fmt.Sprintf("line %d: %s: %s", e.Line, e.Field, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

// Validate checks data with the gateway's own parser; getenv resolves references
// as the gateway will (nil: os.Getenv). A refusal is a *FieldError.
func Validate(data []byte, getenv func(string) string) error {
	_, err := gateway.Parse(data, getenv)
	if err == nil {
		return nil
	}
	line, field, msg, ok := gateway.ErrorAt(err)
	if !ok {
		return err
	}
	return &FieldError{Line: line, Field: field, Msg: msg}
}

// read returns the file's bytes; a missing file is empty, not an error.
func read(path string) ([]byte, bool, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	return b, err == nil, err
}

// writeAtomic replaces path with data, mode 0600: written to a temporary file in
// the same folder, synced, then renamed over path, so that the gateway's watcher
// never reads half a file.
func writeAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(0o600); err != nil {
		_ = tmp.Close()
		return err
	}
	if _, err = tmp.Write(data); err != nil {
		_ = tmp.Close()
		return err
	}
	if err = tmp.Sync(); err != nil {
		_ = tmp.Close()
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
