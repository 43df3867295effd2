package providerfile

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// maskPrefix starts every masked key; a key that starts with it is one the UI
// never saw and is put back from the file on disk.
const maskPrefix = "••••"

// Mask is how a literal key is shown: the last four characters of a long key,
// nothing of a short one.
func Mask(key string) string {
	r := []rune(key)
	if len(r) >= 12 {
		return maskPrefix + string(r[len(r)-4:])
	}
	return maskPrefix
}

// isLiteral reports whether a key is a secret written in the file rather than a
// reference (${ENV}, ${keychain:NAME}) that says nothing about the secret.
func isLiteral(v string) bool { return v != "" && !strings.Contains(v, "$") }

// secretNodes returns the scalars of a parsed file that hold keys:
// providers[].keys[] and forward_keys[].key, with the field each is and its owner
// (the provider's name; "" for a forward key).
func secretNodes(doc *yaml.Node) (nodes []*yaml.Node, fields, owners []string) {
	if doc == nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, nil, nil
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i].Value, root.Content[i+1]
		if v.Kind != yaml.SequenceNode || (k != "providers" && k != "forward_keys") {
			continue
		}
		for j, item := range v.Content {
			if item.Kind != yaml.MappingNode {
				continue
			}
			owner := ""
			for m := 0; m+1 < len(item.Content); m += 2 {
				if k == "providers" && item.Content[m].Value == "name" {
					owner = item.Content[m+1].Value
				}
			}
			for m := 0; m+1 < len(item.Content); m += 2 {
				name, val := item.Content[m].Value, item.Content[m+1]
				switch {
				case k == "providers" && name == "keys" && val.Kind == yaml.SequenceNode:
					for n, c := range val.Content {
						if c.Kind == yaml.ScalarNode {
							nodes = append(nodes, c)
							fields = append(fields, fmt.Sprintf("providers[%d].keys[%d]", j, n))
							owners = append(owners, owner)
						}
					}
				case k == "providers" && name == "keys" && val.Kind == yaml.ScalarNode,
					k == "forward_keys" && name == "key" && val.Kind == yaml.ScalarNode:
					nodes = append(nodes, val)
					fields = append(fields, fmt.Sprintf("%s[%d].%s", k, j, name))
					owners = append(owners, owner)
				}
			}
		}
	}
	return nodes, fields, owners
}

// replacement is one scalar's new text in the file.
type replacement struct {
	node *yaml.Node
	text string // already quoted for YAML
}

// quote writes s as a YAML double-quoted scalar (JSON strings are valid ones).
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// MaskText returns the file with every literal key replaced by Mask of it, keeping
// everything else (comments, order, layout) as written. A file that does not parse
// as YAML is returned as is: the gateway refuses it, so it holds no key in force,
// and the editor must show it to be fixed.
func MaskText(data []byte) []byte {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil {
		return data
	}
	nodes, _, _ := secretNodes(&doc)
	var reps []replacement
	for _, n := range nodes {
		if isLiteral(n.Value) && !strings.HasPrefix(n.Value, maskPrefix) {
			reps = append(reps, replacement{n, quote(Mask(n.Value))})
		}
	}
	out, ok := splice(data, reps)
	if !ok {
		// A key written in a way splice cannot find (over several lines): mask
		// it in the tree and write the tree, losing layout rather than a secret.
		for _, r := range reps {
			r.node.Value, r.node.Style = Mask(r.node.Value), yaml.DoubleQuotedStyle
		}
		b, err := encode(&doc)
		if err != nil {
			return []byte("# the providers file could not be shown without its keys\n")
		}
		return b
	}
	return out
}

// Unmask puts the keys MaskText hid back into edited text, from the file on disk
// (old): each masked key takes the first key of old not yet taken with the same
// mask, of the same provider when there is one (so that reordering providers does
// not swap their keys), else of any. A masked key old does not hold is refused
// with its line and field.
func Unmask(edited, old []byte) ([]byte, error) {
	var doc yaml.Node
	if yaml.Unmarshal(edited, &doc) != nil {
		return edited, nil // the parser refuses it with the line
	}
	nodes, fields, owners := secretNodes(&doc)
	var reps []replacement
	var pool []oldKey
	for i, n := range nodes {
		if !strings.HasPrefix(n.Value, maskPrefix) {
			continue
		}
		if pool == nil {
			pool = literalKeys(old)
		}
		j := take(pool, n.Value, owners[i])
		if j < 0 {
			return nil, &FieldError{Line: n.Line, Field: fields[i],
				Msg: fmt.Sprintf("the hidden key %s is not in the file any more: type the key again", n.Value)}
		}
		pool[j].taken = true
		reps = append(reps, replacement{n, quote(pool[j].value)})
	}
	out, ok := splice(edited, reps)
	if !ok {
		for _, r := range reps {
			var v string
			_ = json.Unmarshal([]byte(r.text), &v)
			r.node.Value, r.node.Style = v, yaml.DoubleQuotedStyle
		}
		return encode(&doc)
	}
	return out, nil
}

// oldKey is a key of the file on disk that a masked one may stand for.
type oldKey struct {
	mask, owner, value string
	taken              bool
}

// take returns the index of the first key of pool not taken with mask, of owner
// if there is one, else of any owner; -1 when there is none.
func take(pool []oldKey, mask, owner string) int {
	first := -1
	for i, k := range pool {
		if k.taken || k.mask != mask {
			continue
		}
		if k.owner == owner {
			return i
		}
		if first < 0 {
			first = i
		}
	}
	return first
}

// literalKeys lists the keys of data a masked key may stand for, in file order.
func literalKeys(data []byte) []oldKey {
	var out []oldKey
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil {
		return out
	}
	nodes, _, owners := secretNodes(&doc)
	for i, n := range nodes {
		switch {
		case strings.HasPrefix(n.Value, maskPrefix):
			// Written so in the file (MaskText leaves it): it stands for itself.
			out = append(out, oldKey{mask: n.Value, owner: owners[i], value: n.Value})
		case isLiteral(n.Value):
			out = append(out, oldKey{mask: Mask(n.Value), owner: owners[i], value: n.Value})
		}
	}
	return out
}

// splice replaces each scalar's source text with its replacement, located by the
// node's line and column. ok is false when a scalar's source cannot be found
// exactly (it spans lines), and then data is not changed.
func splice(data []byte, reps []replacement) ([]byte, bool) {
	if len(reps) == 0 {
		return data, true
	}
	lines := strings.SplitAfter(string(data), "\n")
	// From the last to the first, so that earlier columns stay right.
	slices.SortFunc(reps, func(a, b replacement) int {
		if a.node.Line != b.node.Line {
			return b.node.Line - a.node.Line
		}
		return b.node.Column - a.node.Column
	})
	for _, r := range reps {
		if r.node.Line < 1 || r.node.Line > len(lines) {
			return data, false
		}
		line := []rune(lines[r.node.Line-1])
		start := r.node.Column - 1
		end, ok := scalarEnd(line, start, r.node)
		if !ok {
			return data, false
		}
		lines[r.node.Line-1] = string(line[:start]) + r.text + string(line[end:])
	}
	return []byte(strings.Join(lines, "")), true
}

// scalarEnd finds where the scalar n that starts at line[start] ends, and checks
// that the text there reads back as n's value.
func scalarEnd(line []rune, start int, n *yaml.Node) (int, bool) {
	if start < 0 || start >= len(line) {
		return 0, false
	}
	end := -1
	switch n.Style {
	case yaml.DoubleQuotedStyle:
		for i := start + 1; i < len(line); i++ {
			if line[i] == '\\' {
				i++
			} else if line[i] == '"' {
				end = i + 1
				break
			}
		}
	case yaml.SingleQuotedStyle:
		for i := start + 1; i < len(line); i++ {
			if line[i] == '\'' {
				if i+1 < len(line) && line[i+1] == '\'' {
					i++
					continue
				}
				end = i + 1
				break
			}
		}
	case 0:
		end = start + len([]rune(n.Value))
	}
	if end < 0 || end > len(line) {
		return 0, false
	}
	var v string
	if yaml.Unmarshal([]byte("v: "+string(line[start:end])), &struct{ V *string }{&v}) != nil || v != n.Value {
		return 0, false
	}
	return end, true
}

// encode writes a document tree with llmtap's indentation.
func encode(doc *yaml.Node) ([]byte, error) {
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}
