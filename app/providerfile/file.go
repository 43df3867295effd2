package providerfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

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
