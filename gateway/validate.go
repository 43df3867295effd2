package gateway

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
)

// yamlLine finds the line in a YAML syntax error ("yaml: line 3: did not find …").
var yamlLine = regexp.MustCompile(`\bline (\d+):\s*(.*)$`)

// ErrorAt says where an error Parse returned points in the file: its line (1-based;
// 0 when unknown), the field ("providers[0].kind"; "" for a YAML syntax error) and
// the reason without either. ok is false for an error Parse did not return.
func ErrorAt(err error) (line int, field, msg string, ok bool) {
	var fe *fieldError
	if errors.As(err, &fe) {
		return fe.line, fe.field, fe.msg, true
	}
	if !errors.Is(err, ErrConfig) {
		return 0, "", "", false
	}
	text := strings.TrimPrefix(err.Error(), ErrConfig.Error()+": ")
	if m := yamlLine.FindStringSubmatch(text); m != nil {
		line, _ = strconv.Atoi(m[1])
		return line, "", m[2], true
	}
	return 0, "", strings.TrimPrefix(text, "yaml: "), true
}
