package providerfile

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Moved is a key a save took out of the file and into the keychain: where it was
// and the reference written in its place. It never holds the key.
type Moved struct {
	Line  int    `json:"line"`
	Field string `json:"field"` // "providers[0].keys[1]"
	Ref   string `json:"ref"`   // "${keychain:groq-2}"
}

// MoveKeys replaces each literal provider key of data (providers[].keys[], not a
// ${…} reference, not a •••• mask) with the reference to where put kept it,
// splicing the scalars so that comments and layout stay as written. put gets the
// provider's name and the key, stores the key, and returns the keychain name. Forward
// keys are llmtap's own and stay in the file. When put fails, MoveKeys stops with a
// *FieldError at that key; keys put before stay in the keychain, and data is not
// changed.
// A file that does not parse is returned as is, for the parser to refuse.
func MoveKeys(data []byte, put func(owner, key string) (string, error)) ([]byte, []Moved, error) {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil {
		return data, nil, nil
	}
	nodes, fields, owners := secretNodes(&doc)
	var reps []replacement
	var moved []Moved
	for i, n := range nodes {
		if !strings.HasPrefix(fields[i], "providers[") || !isLiteral(n.Value) || strings.HasPrefix(n.Value, maskPrefix) {
			continue
		}
		name, err := put(owners[i], n.Value)
		if err != nil {
			// Shown at the key's line: the person can unlock the keychain, or
			// write a ${ENV} reference instead.
			return data, nil, keychainRefused(n.Line, fields[i], err)
		}
		reps = append(reps, replacement{n, quote(Ref(name))})
		moved = append(moved, Moved{Line: n.Line, Field: fields[i], Ref: Ref(name)})
	}
	out, ok := splice(data, reps)
	if !ok {
		// A key over several lines: write the tree, losing layout rather than
		// leaving the key in the file.
		for _, r := range reps {
			v, _ := strconv.Unquote(r.text)
			r.node.Value, r.node.Style = v, yaml.DoubleQuotedStyle
		}
		b, err := encode(&doc)
		if err != nil {
			return data, nil, err
		}
		return b, moved, nil
	}
	return out, moved, nil
}

// keychainRefs finds every ${keychain:NAME} written in a text, comments included.
var keychainRefs = regexp.MustCompile(`\$\{keychain:([^}]*)\}`)

// unsafeName is what a provider's name may not bring into a keychain name.
var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// namer hands out keychain names for keys of a provider, PROVIDER-1, PROVIDER-2…,
// skipping every name the texts refer to, the keychain already holds (or cannot
// say it does not), or an earlier call gave: a new key never overwrites one a file
// still uses.
type namer struct {
	kc    Keychain
	taken map[string]bool
	set   []string // the names put stored, for undo
}

func newNamer(kc Keychain, texts ...[]byte) *namer {
	n := &namer{kc: kc, taken: map[string]bool{}}
	for _, t := range texts {
		for _, m := range keychainRefs.FindAllSubmatch(t, -1) {
			n.taken[string(m[1])] = true
		}
	}
	return n
}

// maxTries bounds the names next tries for one key.
const maxTries = 10000

// next returns the first free name for owner's keys. A keychain that cannot say
// whether it holds a name (unreachable) stops it with that error.
func (n *namer) next(owner string) (string, error) {
	base := unsafeName.ReplaceAllString(owner, "_")
	if base == "" {
		base = "provider"
	}
	for i := 1; i <= maxTries; i++ {
		name := base + "-" + strconv.Itoa(i)
		if n.taken[name] {
			continue
		}
		n.taken[name] = true
		_, err := n.kc.Get(name)
		switch {
		case errors.Is(err, ErrNoSecret):
			return name, nil
		case err != nil:
			return "", err
		}
	}
	return "", fmt.Errorf("keychain: no free name for a key of %q in %d tries", owner, maxTries)
}

// put stores key under the next free name for owner: MoveKeys' put.
func (n *namer) put(owner, key string) (string, error) {
	name, err := n.next(owner)
	if err != nil {
		return "", err
	}
	if err := n.kc.Set(name, key); err != nil {
		return "", err
	}
	n.set = append(n.set, name)
	return name, nil
}

// undo deletes what put stored, when the save it was for did not go through and
// the keychain can delete (System can): no file refers to those names.
func (n *namer) undo() {
	d, ok := n.kc.(interface{ Delete(string) error })
	if !ok {
		return
	}
	for _, name := range n.set {
		_ = d.Delete(name) // best effort: an orphan secret is harmless, and the save's error is the one to report
	}
	n.set = nil
}

// keychainRefused is the refusal of a key the OS keychain would not keep (locked,
// say), shown at the key: the person can unlock it and save again, or write a
// ${ENV} reference instead. line is 0 for the form, which has no lines.
func keychainRefused(line int, field string, err error) *FieldError {
	return &FieldError{Line: line, Field: field,
		Msg: "the key could not be kept in the OS keychain (" + err.Error() + "); unlock it and save again, or refer to the key as ${ENV}"}
}
