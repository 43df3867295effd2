package export

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/llmtap/llmtap/dataset"
	"github.com/llmtap/llmtap/internal/hfdir"
	"github.com/llmtap/llmtap/store"
)

// previewRecords is how many records an export preview shows.
const previewRecords = 5

// Register adds the export endpoints of docs/api-review.md through handle, the
// API's adapter (app.APIHandler: it writes the answer as JSON, or the error with
// its status):
//
//	GET  /api/export/preview               what an export would write (preview.go)
//	POST /api/export                       write a dataset file or folder under Config.Dir
//	GET  /api/export/progress/{id}         how far a preview or an export has got
//	GET  /api/conversations/{id}/validity  one conversation's check for one format
func (s *Service) Register(handle func(pattern string, h func(*http.Request) (any, error))) {
	handle("GET /api/export/preview", s.apiPreview)
	handle("POST /api/export", s.apiExport)
	handle("GET /api/export/progress/{id}", s.apiProgress)
	handle("GET /api/conversations/{id}/validity", s.apiValidity)
}

// Preview is the answer of GET /api/export/preview.
type Preview struct {
	// Records are the first records the export would write, as they would be written.
	Records []json.RawMessage `json:"records"`
	Valid   int               `json:"valid"`
	Invalid int               `json:"invalid"`
	// Reasons groups the invalid conversations by why, most frequent first.
	Reasons []ReasonCount `json:"reasons"`
	// PairsByRule counts a preference format's pairs by the rule that chose their
	// answer; nil for other formats.
	PairsByRule map[dataset.PairRule]int `json:"pairsByRule,omitempty"`
	// Fixes counts the records written only after a safe fix or a cut, by fix.
	Fixes map[string]int `json:"fixes,omitempty"`
}

// ReasonCount is how many conversations an export leaves out for one reason.
type ReasonCount struct {
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

// Answer is the answer of POST /api/export.
type Answer struct {
	Written     int    `json:"written"`
	Invalid     int    `json:"invalid"`
	Path        string `json:"path"`
	InvalidPath string `json:"invalidPath,omitempty"`
	// PairsByRule counts the pairs a preference format took by rule.
	PairsByRule map[dataset.PairRule]int `json:"pairsByRule,omitempty"`
	// Fixes counts the records written after a fix, by fix (InvalidPath says which).
	Fixes map[string]int `json:"fixes,omitempty"`
	// Images counts the image files written beside the dataset, under images/.
	Images int `json:"images,omitempty"`
	// Splits counts the records of each split of a dataset folder.
	Splits map[string]int `json:"splits,omitempty"`
	// Canceled is set when the person closed the save dialog: nothing was written.
	Canceled bool `json:"canceled,omitempty"`
}

// apiPreview answers GET /api/export/preview: what an export with these options
// would write (export_preview.go). Nothing is written.
func (s *Service) apiPreview(r *http.Request) (any, error) {
	q := r.URL.Query()
	progressID := q.Get("progress")
	q.Del("progress")
	format, opt, filter, err := s.ParseQuery(q)
	if err != nil {
		return nil, err
	}
	run, end, err := s.runs.start(progressID)
	if err != nil {
		return nil, err
	}
	defer end()
	return s.preview(r.Context(), format, opt, filter, run.report)
}

// apiExport writes a dataset file into the data folder's exports/ and never
// replaces one: a taken name gets a numeric suffix.
func (s *Service) apiExport(r *http.Request) (any, error) {
	var body struct {
		Params
		Filter map[string]any `json:"filter"`
		Name   string         `json:"name"`
		// SaveAs asks where to write with the native save dialog (desktop app only).
		SaveAs bool `json:"saveAs"`
		// Progress names this run for GET /api/export/progress/{id}.
		Progress string `json:"progress"`
		// Folder writes a Hugging Face dataset folder (Parquet) under exports/
		// instead of a file; Validation is the fraction in its validation split.
		Folder     bool    `json:"folder"`
		Validation float64 `json:"validation"`
	}
	if err := readJSON(r, &body); err != nil {
		return nil, err
	}
	format, opt, err := body.Params.Parse()
	if err != nil {
		return nil, err
	}
	filter, err := s.BodyFilter(body.Filter)
	if err != nil {
		return nil, err
	}
	name, err := FileName(body.Name, format, time.Now())
	if err != nil {
		return nil, err
	}
	run, end, err := s.runs.start(body.Progress)
	if err != nil {
		return nil, err
	}
	defer end()
	if body.Validation != 0 && !body.Folder {
		return nil, badRequest("validation: a validation split needs folder: true")
	}
	var path string
	if body.Folder {
		if body.SaveAs {
			return nil, badRequest("folder and saveAs: a dataset folder is written under exports/")
		}
		if path, err = reserveFolder(s.cfg.Dir, strings.TrimSuffix(name, filepath.Ext(name))); err != nil {
			return nil, err
		}
	} else if body.SaveAs {
		if s.cfg.SaveDialog == nil {
			return nil, &Error{Status: http.StatusConflict, Msg: ErrNoDialog.Error()}
		}
		// The person chose the file, and agreed to replace it if it existed.
		if path, err = s.cfg.SaveDialog(r.Context(), name); errors.Is(err, ErrNoDialog) {
			return nil, &Error{Status: http.StatusConflict, Msg: ErrNoDialog.Error()}
		} else if err != nil {
			return nil, &Error{Status: http.StatusInternalServerError, Msg: "save dialog: " + err.Error()}
		}
		if path == "" {
			return Answer{Canceled: true}, nil
		}
	} else {
		dir := s.cfg.Dir
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create exports folder: %w", err)
		}
		if path, err = ReserveFile(dir, name); err != nil {
			return nil, err
		}
	}
	res, err := Run(r.Context(), s.cfg.DB, Options{Format: format, Out: path, Filter: filter, Record: opt,
		Validation: body.Validation, Progress: run.report})
	if err != nil {
		if !body.SaveAs {
			os.Remove(path) // the empty reservation; Run replaces it only on success
		}
		if body.Folder && errors.Is(err, hfdir.ErrNoParquet) {
			return nil, badRequest("%v", err)
		}
		return nil, err
	}
	return Answer{Written: res.Written, Invalid: res.Invalid, Path: res.Out, InvalidPath: res.InvalidOut,
		PairsByRule: res.PairsByRule, Fixes: res.Fixes, Images: res.Images, Splits: res.Splits}, nil
}

// Params are the record options an export request names, in a JSON body or
// a query string (docs/api-review.md).
type Params struct {
	// Format is "" (sharegpt) or a format of dataset.Formats (or another name of one).
	Format string `json:"format"`
	// System is "" (field), field or inline.
	System string `json:"system"`
	// Opener is what becomes of a greeting before the first user turn: "" (system)
	// or system, or drop (issue 16).
	Opener string `json:"opener"`
	// OpenerPrefix is the line that marks the opener in the system prompt; "" is
	// dataset.DefaultOpenerPrefix.
	OpenerPrefix string `json:"openerPrefix"`
	// Names is "" (auto), auto, on or off: speaker names in assistant text.
	Names string `json:"names"`
	// Pairs is "" (all), all or signalled: which preference pairs a pair format takes.
	Pairs string `json:"pairs"`
	// Reasoning is "" (auto), auto, drop, inline or field (dataset.ReasoningMode);
	// ReasoningHistory keeps the reasoning of earlier answers.
	Reasoning        string `json:"reasoning"`
	ReasoningHistory bool   `json:"reasoningHistory"`
}

// paramKeys are the query parameters QueryParams reads.
var paramKeys = []string{"format", "system", "opener", "openerPrefix", "names", "pairs", "reasoning", "reasoningHistory"}

// QueryParams reads the export parameters of q.
func QueryParams(q url.Values) Params {
	return Params{Format: q.Get("format"), System: q.Get("system"), Opener: q.Get("opener"),
		OpenerPrefix: q.Get("openerPrefix"), Names: q.Get("names"), Pairs: q.Get("pairs"), Reasoning: q.Get("reasoning"),
		ReasoningHistory: q.Get("reasoningHistory") == "1" || q.Get("reasoningHistory") == "true"}
}

// Parse reads the format ("" → sharegpt) and the record options of p; an error
// is an *Error with status 400 naming the parameter.
func (p Params) Parse() (dataset.ExportFormat, dataset.ShareGPTOptions, error) {
	var opt dataset.ShareGPTOptions
	f := dataset.ExportFormat(p.Format)
	if f == "" {
		f = dataset.FormatShareGPT
	}
	if _, err := dataset.LookupFormat(f); err != nil {
		return "", opt, badRequest("format %q: must be %s", p.Format, dataset.FormatNames())
	}
	switch p.System {
	case "", "field":
	case "inline":
		opt.SystemInline = true
	default:
		return "", opt, badRequest("system %q: must be field or inline", p.System)
	}
	var err error
	if opt.Opener, err = dataset.ParseOpenerMode(p.Opener); err != nil {
		return "", opt, badRequest("%v", err)
	}
	if opt.Names, err = dataset.ParseNameMode(p.Names); err != nil {
		return "", opt, badRequest("%v", err)
	}
	if opt.Pairs, err = dataset.ParsePairPolicy(p.Pairs); err != nil {
		return "", opt, badRequest("%v", err)
	}
	if opt.Reasoning, err = dataset.ParseReasoningMode(p.Reasoning); err != nil {
		return "", opt, badRequest("%v", err)
	}
	opt.ReasoningHistory = p.ReasoningHistory
	opt.OpenerPrefix = strings.TrimSpace(p.OpenerPrefix)
	return f, opt, nil
}

// exportFilter reads repeatable statuses and, when q is not nil, the other list
// parameters. An export takes several statuses where the list takes one.
func (s *Service) exportFilter(statuses []string, q url.Values) (store.ExportFilter, error) {
	var f store.ExportFilter
	for _, s := range statuses {
		st := dataset.Status(s)
		if !st.Valid() {
			return f, badRequest("status %q: must be unreviewed, confirmed or rejected", s)
		}
		f.Statuses = append(f.Statuses, st)
	}
	if q == nil {
		return f, nil
	}
	var err error
	f.List, err = s.cfg.ListOptions(q)
	return f, err
}

// ParseQuery reads the format, record option and filter parameters of an export's
// query string (GET /api/export/preview, /api/export/download), leaving other
// parameters in q to the caller: it removes the ones it read.
func (s *Service) ParseQuery(q url.Values) (dataset.ExportFormat, dataset.ShareGPTOptions, store.ExportFilter, error) {
	format, opt, err := QueryParams(q).Parse()
	if err != nil {
		return "", opt, store.ExportFilter{}, err
	}
	statuses := q["status"]
	for _, k := range append(paramKeys, "status") {
		q.Del(k)
	}
	filter, err := s.exportFilter(statuses, q)
	return format, opt, filter, err
}

// BodyFilter reads the "filter" object of POST /api/export and /api/drag: the list
// parameters, with "status" as one status or a list of them.
func (s *Service) BodyFilter(f map[string]any) (store.ExportFilter, error) {
	var statuses []string
	if v, ok := f["status"]; ok {
		delete(f, "status")
		var err error
		if statuses, err = stringList(v); err != nil {
			return store.ExportFilter{}, badRequest("filter.status: %v", err)
		}
	}
	lo, err := s.cfg.FilterOptions(f)
	if err != nil {
		return store.ExportFilter{}, err
	}
	filter, err := s.exportFilter(statuses, nil)
	filter.List = lo
	return filter, err
}

// stringList reads a JSON string or array of strings.
func stringList(v any) ([]string, error) {
	if s, ok := v.(string); ok {
		return []string{s}, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%v is not a string or a list of strings", v)
	}
	out := make([]string, len(list))
	for i, item := range list {
		if out[i], ok = item.(string); !ok {
			return nil, fmt.Errorf("%v is not a string", item)
		}
	}
	return out, nil
}

// DefaultNames are the names FileName gives each format on the day of now.
func DefaultNames(now time.Time) map[dataset.ExportFormat]string {
	names := map[dataset.ExportFormat]string{}
	for _, s := range dataset.Formats() {
		names[s.Format], _ = FileName("", s.Format, now) // a default name is always valid
	}
	return names
}

// FileName checks a file name asked for, or makes the default llmtap-<date>.json
// (.jsonl for ShareGPT JSON Lines; llmtap-<kind>-<date>.jsonl for the other formats,
// such as llmtap-dpo-… for preference pairs). Only a plain name is taken: no folders,
// no hidden files, no control characters.
func FileName(name string, format dataset.ExportFormat, now time.Time) (string, error) {
	if name == "" {
		return defaultFileName(format, "llmtap-", "-"+now.Format(time.DateOnly)), nil
	}
	bad := strings.ContainsAny(name, `/\:`) || strings.HasPrefix(name, ".") || len(name) > 200 ||
		strings.IndexFunc(name, unicode.IsControl) >= 0 || !filepath.IsLocal(name)
	if bad {
		return "", badRequest("name %q: must be a plain file name (no folders, not starting with a dot)", name)
	}
	return name, nil
}

// ReserveFile creates an empty file named name in dir, or name-2, name-3, … (before
// the extension) when that or its invalid-records list exists, and returns its path.
// Creating it exclusively makes two exports at once get different names.
func ReserveFile(dir, name string) (string, error) {
	ext := filepath.Ext(name)
	base := strings.TrimSuffix(name, ext)
	for i := 1; i <= 1000; i++ {
		n := name
		if i > 1 {
			n = fmt.Sprintf("%s-%d%s", base, i, ext)
		}
		path := filepath.Join(dir, n)
		if _, err := os.Lstat(path + ".invalid.jsonl"); err == nil {
			continue
		}
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("create export %q: %w", path, err)
		}
		return path, f.Close()
	}
	return "", &Error{Status: http.StatusConflict, Msg: fmt.Sprintf("name %q: 1000 exports by that name exist already", name)}
}

// reserveFolder creates an empty folder named name in dir (created when missing),
// or name-2, name-3, … when that exists, and returns its path with a trailing
// separator: the path of a dataset folder export.
func reserveFolder(dir, name string) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create exports folder: %w", err)
	}
	for i := 1; i <= 1000; i++ {
		n := name
		if i > 1 {
			n = fmt.Sprintf("%s-%d", name, i)
		}
		path := filepath.Join(dir, n)
		err := os.Mkdir(path, 0o700)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("create export folder %q: %w", path, err)
		}
		return path + string(filepath.Separator), nil
	}
	return "", &Error{Status: http.StatusConflict, Msg: fmt.Sprintf("name %q: 1000 exports by that name exist already", name)}
}

// firstRecords keeps the first max lines written to it and discards the rest.
type firstRecords struct {
	max     int
	buf     []byte
	records []json.RawMessage
}

func (f *firstRecords) Write(p []byte) (int, error) {
	if len(f.records) >= f.max {
		return len(p), nil
	}
	f.buf = append(f.buf, p...)
	for len(f.records) < f.max {
		i := bytes.IndexByte(f.buf, '\n')
		if i < 0 {
			break
		}
		f.records = append(f.records, json.RawMessage(bytes.Clone(f.buf[:i])))
		f.buf = f.buf[i+1:]
	}
	if len(f.records) >= f.max {
		f.buf = nil
	}
	return len(p), nil
}

var _ io.Writer = (*firstRecords)(nil)

// position is the part of a reason that differs between otherwise equal ones.
var position = regexp.MustCompile(` at position \d+`)

// reasonCounter counts the dataset.InvalidRecord lines written to it by reason,
// with message positions left out so that equal problems group together.
type reasonCounter struct {
	buf    []byte
	counts map[string]int
}

func (c *reasonCounter) Write(p []byte) (int, error) {
	c.buf = append(c.buf, p...)
	for {
		i := bytes.IndexByte(c.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		var rec dataset.InvalidRecord
		if err := json.Unmarshal(c.buf[:i], &rec); err != nil {
			return 0, fmt.Errorf("read invalid record: %w", err)
		}
		if rec.Fix == "" { // a fixed record was written: not a reason it was left out
			c.counts[position.ReplaceAllString(rec.Reason, "")]++
		}
		c.buf = c.buf[i+1:]
	}
}

func (c *reasonCounter) sorted() []ReasonCount {
	out := make([]ReasonCount, 0, len(c.counts))
	for r, n := range c.counts {
		out = append(out, ReasonCount{Reason: r, Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Reason < out[j].Reason
	})
	return out
}

// defaultFileName is prefix, the kind of format, suffix and its extension; ShareGPT,
// the first format, names no kind.
func defaultFileName(format dataset.ExportFormat, prefix, suffix string) string {
	spec, err := dataset.LookupFormat(format)
	if err != nil {
		spec = dataset.Formats()[0]
	}
	kind := strings.TrimSuffix(string(spec.Format), "-jsonl")
	if kind == string(dataset.FormatShareGPT) {
		return strings.TrimSuffix(prefix, "-") + suffix + spec.Ext
	}
	return prefix + kind + suffix + spec.Ext
}
