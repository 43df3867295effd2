package providerfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/llmtap/llmtap/gateway"
)

// Config configures Register.
type Config struct {
	// Path is the providers file the gateway reads and watches.
	Path string
	// Keychain keeps keys typed into the form or the raw editor; nil (or one whose
	// Available method says false, like System without a Secret Service) keeps them
	// in the file, which is mode 0600.
	Keychain Keychain
	// Getenv resolves references when a file is checked; nil means
	// Getenv(Keychain, os.Getenv), what the gateway should use too.
	Getenv func(string) string
	// Log gets one line per file written (never its content); nil discards.
	Log *slog.Logger
}

type handler struct {
	cfg Config
}

// Register adds the providers-file endpoints to mux (docs/api.md):
//
//	GET  /api/providers/config            → {path, exists, text, keychain}
//	PUT  /api/providers/config            {text, base?} → the same with moved (keys it put in the keychain), or 400 {error, line, field}, or 409 when base is stale
//	POST /api/providers/config/providers  {name, kind, base_url, keys, models} → the same
func Register(mux *http.ServeMux, cfg Config) {
	if cfg.Getenv == nil {
		cfg.Getenv = Getenv(cfg.Keychain, nil)
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	h := &handler{cfg: cfg}
	mux.HandleFunc("GET /api/providers/config", h.get)
	mux.HandleFunc("PUT /api/providers/config", h.put)
	mux.HandleFunc("POST /api/providers/config/providers", h.addProvider)
}

// View is the answer of the config endpoints: the file with its literal keys masked.
type View struct {
	Path   string `json:"path"`
	Exists bool   `json:"exists"`
	Text   string `json:"text"`
	// Keychain says whether keys typed into the form or the editor go to the OS
	// keychain.
	Keychain bool `json:"keychain"`
	// Moved lists the keys typed into the editor that a save (PUT) put in the
	// keychain, with the reference now in their place; nil otherwise.
	Moved []Moved `json:"moved,omitempty"`
}

func (h *handler) view() (View, error) {
	b, ok, err := read(h.cfg.Path)
	if err != nil {
		return View{}, err
	}
	return View{Path: h.cfg.Path, Exists: ok, Text: string(MaskText(b)), Keychain: h.keychain() != nil}, nil
}

func (h *handler) get(w http.ResponseWriter, _ *http.Request) {
	unlock := gateway.LockFile()
	v, err := h.view()
	unlock()
	h.answer(w, v, err)
}

func (h *handler) put(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Text *string `json:"text"`
		// Base is the text the editor started from (GET's); when given and the file
		// changed on disk since, the save is refused rather than undo that change.
		Base *string `json:"base"`
	}
	if err := decode(r, &req); err != nil || req.Text == nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "want {\"text\": the file}"})
		return
	}
	defer gateway.LockFile()()
	old, _, err := read(h.cfg.Path)
	if err != nil {
		h.answer(w, nil, err)
		return
	}
	if req.Base != nil && string(MaskText(old)) != *req.Base {
		writeJSON(w, http.StatusConflict, map[string]string{"error": "the file changed on disk since it was loaded: reload it, then edit again"})
		return
	}
	edited := []byte(*req.Text)
	data, err := Unmask(edited, old)
	var moved []Moved
	if kc := h.keychain(); err == nil && kc != nil {
		// Check the file with the typed keys first: nothing goes to the keychain
		// for a file that is refused.
		names := newNamer(kc, edited, old)
		if err = Validate(data, h.cfg.Getenv); err == nil {
			edited, moved, err = MoveKeys(edited, names.put)
		}
		if err == nil {
			data, err = Unmask(edited, old)
		}
		if err == nil {
			err = h.save(data)
		}
		if err != nil {
			names.undo()
		}
	} else if err == nil {
		err = h.save(data)
	}
	var v View
	if err == nil {
		v, err = h.view()
		v.Moved = moved
	}
	h.answer(w, v, err)
}

// Provider is the "add a provider" form.
type Provider struct {
	Name    string   `json:"name"`
	Kind    string   `json:"kind"`
	BaseURL string   `json:"base_url"`
	Keys    []string `json:"keys"`
	Models  []string `json:"models"`
}

func (h *handler) addProvider(w http.ResponseWriter, r *http.Request) {
	var p Provider
	if err := decode(r, &p); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	defer gateway.LockFile()()
	old, _, err := read(h.cfg.Path)
	if err != nil {
		h.answer(w, nil, err)
		return
	}
	// Check the form with the keys as placeholders first: nothing goes to the
	// keychain for a provider the file would refuse.
	refs := make([]string, len(p.Keys))
	for i, k := range p.Keys {
		refs[i] = strings.TrimSpace(k)
	}
	data, err := AddProvider(old, p, refs)
	if err == nil {
		err = Validate(data, h.cfg.Getenv)
	}
	if kc := h.keychain(); err == nil && kc != nil {
		names := newNamer(kc, old, []byte(strings.Join(refs, "\n")))
		for i, k := range refs {
			if !isLiteral(k) {
				continue
			}
			var name string
			if name, err = names.put(strings.TrimSpace(p.Name), k); err != nil {
				err = keychainRefused(0, fmt.Sprintf("keys[%d]", i), err)
				break
			}
			refs[i] = Ref(name)
		}
		if err == nil {
			data, err = AddProvider(old, p, refs)
		}
		if err == nil {
			err = h.save(data)
		}
		if err != nil {
			names.undo()
		}
	} else if err == nil {
		err = h.save(data)
	}
	var v View
	if err == nil {
		v, err = h.view()
	}
	h.answer(w, v, err)
}

// keychain is Config.Keychain when it is there to use, else nil.
func (h *handler) keychain() Keychain {
	kc := h.cfg.Keychain
	if a, ok := kc.(interface{ Available() bool }); ok && !a.Available() {
		return nil
	}
	return kc
}

// save writes data if the gateway's parser takes it; the watcher picks it up.
func (h *handler) save(data []byte) error {
	if err := Validate(data, h.cfg.Getenv); err != nil {
		return err
	}
	if err := gateway.WriteFile(h.cfg.Path, data); err != nil {
		return err
	}
	h.cfg.Log.Info("providers file saved from the UI", "path", h.cfg.Path, "bytes", len(data))
	return nil
}

// AddProvider appends p, with keys as written (literals or references), to the
// providers: list of the file data, editing the YAML tree so that comments and the
// other entries survive. It does not validate.
func AddProvider(data []byte, p Provider, keys []string) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &FieldError{Msg: "the file does not parse; fix it in the editor first: " + err.Error()}
	}
	if len(doc.Content) == 0 {
		doc = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode}}}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, &FieldError{Line: root.Line, Field: "(top level)", Msg: "want a mapping with providers:"}
	}
	var list *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "providers" {
			list = root.Content[i+1]
		}
	}
	if list == nil {
		list = &yaml.Node{Kind: yaml.SequenceNode}
		root.Content = append(root.Content, str("providers"), list)
	}
	if list.Kind == yaml.ScalarNode && list.Tag == "!!null" {
		*list = yaml.Node{Kind: yaml.SequenceNode, HeadComment: list.HeadComment, LineComment: list.LineComment}
	}
	if list.Kind != yaml.SequenceNode {
		return nil, &FieldError{Line: list.Line, Field: "providers", Msg: "want a list of providers"}
	}
	m := &yaml.Node{Kind: yaml.MappingNode}
	m.Content = append(m.Content, str("name"), str(strings.TrimSpace(p.Name)), str("kind"), str(strings.TrimSpace(p.Kind)),
		str("base_url"), str(strings.TrimSpace(p.BaseURL)))
	if len(keys) > 0 {
		m.Content = append(m.Content, str("keys"), flow(keys))
	}
	m.Content = append(m.Content, str("models"), flow(trimAll(p.Models)))
	list.Content = append(list.Content, m)
	return encode(&doc)
}

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func flow(xs []string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, x := range xs {
		c := str(x)
		c.Style = yaml.DoubleQuotedStyle
		n.Content = append(n.Content, c)
	}
	return n
}

func trimAll(xs []string) []string {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 4<<20))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func (h *handler) answer(w http.ResponseWriter, v any, err error) {
	var fe *FieldError
	switch {
	case errors.As(err, &fe):
		writeJSON(w, http.StatusBadRequest, fe)
	case err != nil:
		h.cfg.Log.Error("providers file", "err", err)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
	default:
		writeJSON(w, http.StatusOK, v)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // a failed write means the client went away
}
