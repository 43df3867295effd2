package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/llmtap/llmtap/gateway/keys"
)

// NewForwardKey is the body of POST /api/forward-keys.
type NewForwardKey struct {
	Name   string   `json:"name"`
	Models []string `json:"models"`
	RPM    int      `json:"rpm"`
	TPM    int      `json:"tpm"`
	TPD    int      `json:"tpd"`
	// Expires is a date (2027-06-30) or RFC 3339; "" → never.
	Expires string `json:"expires"`
}

// IssuedKey is the answer of POST /api/forward-keys: the key, shown once, and its ID.
type IssuedKey struct {
	Key string `json:"key"`
	ID  string `json:"id"`
}

// fileMu serialises edits of providers files by this process: the forward-key API
// here and the Providers page's editor (LockFile) read, change and write the same
// file.
var fileMu sync.Mutex

// LockFile holds the providers-file lock for a read-modify-write of the file made
// outside the gateway (the Providers page's editor); call the returned unlock.
func LockFile() (unlock func()) {
	fileMu.Lock()
	return fileMu.Unlock
}

// WriteFile replaces the providers file at path with data: a temporary file in the
// same folder, synced, mode 0600, renamed over path, so the watcher never reads half
// a file. The caller holds LockFile.
func WriteFile(path string, data []byte) error { return writeFileAtomic(path, data) }

// IssueForwardKey makes a new forward key with req's name and limits, appends it
// to the providers file's forward_keys (comments and the rest of the file kept)
// and puts it in force. The file is checked whole before it is written: a key the
// file would refuse (a name taken, a bad glob) is an error wrapping ErrConfig.
func (g *Gateway) IssueForwardKey(req NewForwardKey) (IssuedKey, error) {
	exp, err := keys.ParseExpiry(req.Expires)
	if err != nil {
		return IssuedKey{}, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	fk := keys.ForwardKey{Key: keys.New(), Name: req.Name, Models: req.Models, RPM: req.RPM, TPM: req.TPM, TPD: req.TPD, Expires: exp}
	entry := forwardKeyNode(fk, req.Expires)
	err = g.editFile(func(root *yaml.Node) error {
		seq := mappingValue(root, "forward_keys")
		if seq == nil || seq.Kind != yaml.SequenceNode || seq.Tag == "!!null" {
			if seq == nil {
				seq = &yaml.Node{}
				root.Content = append(root.Content, scalarNode("forward_keys"), seq)
			}
			*seq = yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		}
		seq.Content = append(seq.Content, entry)
		return nil
	})
	if err != nil {
		return IssuedKey{}, err
	}
	return IssuedKey{Key: fk.Key, ID: fk.ID()}, nil
}

// RemoveForwardKey deletes the forward key whose ID is id from the providers file
// and puts the file in force. fs.ErrNotExist when no key has that ID.
func (g *Gateway) RemoveForwardKey(id string) error {
	return g.editFile(func(root *yaml.Node) error {
		seq := mappingValue(root, "forward_keys")
		if seq != nil && seq.Kind == yaml.SequenceNode {
			data, err := marshal(root)
			if err != nil {
				return err
			}
			f, err := Parse(data, g.cfg.Getenv)
			if err != nil {
				return err
			}
			for i, fk := range f.ForwardKeys {
				if fk.ID() == id && i < len(seq.Content) {
					seq.Content = append(seq.Content[:i], seq.Content[i+1:]...)
					return nil
				}
			}
		}
		return fmt.Errorf("forward key %q: %w", id, fs.ErrNotExist)
	})
}

// editFile reads the providers file (an empty document when there is none), lets
// edit change its top-level mapping, checks the result as Load would, writes it
// (mode 0600, through a temporary file renamed over the old one) and loads it.
func (g *Gateway) editFile(edit func(root *yaml.Node) error) error {
	if g.cfg.Path == "" {
		return errors.New("the gateway has no providers file")
	}
	fileMu.Lock()
	defer fileMu.Unlock()
	data, err := os.ReadFile(g.cfg.Path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("read providers file: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("%w: %v", ErrConfig, err)
	}
	if len(doc.Content) == 0 { // a file of comments alone parses to no document: they stay on top (below)
		doc = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map"}}}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return fmt.Errorf("%w: the providers file is not a mapping", ErrConfig)
	}
	if err := edit(root); err != nil {
		return err
	}
	out, err := marshal(&doc)
	if err != nil {
		return err
	}
	out = append(lostComments(data, out), out...)
	if _, err := Parse(out, g.cfg.Getenv); err != nil {
		return err
	}
	if err := writeFileAtomic(g.cfg.Path, out); err != nil {
		return err
	}
	return g.Reload()
}

// lostComments returns the comment lines of data that out no longer holds, each
// ending in a newline, for the top of out: those of a file of comments alone (no
// document to hang them on), and any yaml.v3 drops (one right before a "?" key at
// the top, found by FuzzIssueForwardKey). Lines end at \n, \r\n or a lone \r, as in
// YAML.
func lostComments(data, out []byte) []byte {
	var lost []byte
	for _, line := range bytes.FieldsFunc(data, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] == '#' && !bytes.Contains(out, t) {
			lost = append(append(lost, t...), '\n')
		}
	}
	return lost
}

// marshal writes n as YAML with the two-space indent the example file uses. It
// fails only on text YAML cannot hold (invalid UTF-8), an error wrapping ErrConfig.
func marshal(n *yaml.Node) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	return b.Bytes(), nil
}

func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".providers-*.yaml")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after the rename: nothing left to remove
	if _, err = tmp.Write(data); err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o600)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	return err
}

// mappingValue returns the value of key in mapping m, or nil.
func mappingValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func scalarNode(v string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v}
}

// forwardKeyNode is fk as one flow mapping line, as the documentation writes them.
func forwardKeyNode(fk keys.ForwardKey, expires string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Style: yaml.FlowStyle}
	add := func(k string, v *yaml.Node) { n.Content = append(n.Content, scalarNode(k), v) }
	add("key", scalarNode(fk.Key))
	if fk.Name != "" {
		add("name", scalarNode(fk.Name))
	}
	if len(fk.Models) > 0 {
		seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle}
		for _, m := range fk.Models {
			seq.Content = append(seq.Content, scalarNode(m))
		}
		add("models", seq)
	}
	for _, l := range []struct {
		k string
		v int
	}{{"rpm", fk.RPM}, {"tpm", fk.TPM}, {"tpd", fk.TPD}} {
		if l.v != 0 {
			add(l.k, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(l.v)})
		}
	}
	if expires != "" {
		add("expires", scalarNode(expires))
	}
	return n
}

// ServeForwardKeys answers GET /api/forward-keys (the keys in force and their
// usage, never a key), POST /api/forward-keys (NewForwardKey → IssuedKey, 201) and
// DELETE /api/forward-keys/{id}.
func (g *Gateway) ServeForwardKeys(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, struct {
			Required bool            `json:"required"`
			Keys     []keys.KeyUsage `json:"keys"`
		}{g.guard.Enabled(), g.ForwardKeys()})
	case http.MethodPost:
		var req NewForwardKey
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad request body: " + err.Error()})
			return
		}
		k, err := g.IssueForwardKey(req)
		if err != nil {
			writeJSON(w, editStatus(err), map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusCreated, k)
	case http.MethodDelete:
		if err := g.RemoveForwardKey(r.PathValue("id")); err != nil {
			writeJSON(w, editStatus(err), map[string]string{"error": err.Error()})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		w.Header().Set("Allow", "GET, POST, DELETE")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method not allowed"})
	}
}

func editStatus(err error) int {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return http.StatusNotFound
	case errors.Is(err, ErrConfig):
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
