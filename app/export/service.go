package export

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"

	"github.com/llmtap/llmtap/store"
)

// Config configures a Service. DB, Dir, ListOptions and FilterOptions are required.
type Config struct {
	// DB is the database exports read.
	DB *store.DB
	// Dir is the folder POST /api/export writes into (the data folder's exports/),
	// created when missing.
	Dir string
	// SaveDialog asks where to save a file (the desktop app's native dialog), given
	// the name to propose; "" with no error means the person canceled. nil, or one
	// that returns ErrNoDialog (llmtap serve), refuses "saveAs" with 409.
	SaveDialog func(ctx context.Context, name string) (string, error)
	// ListOptions reads the conversation list's parameters of a query string (the
	// review API's, without paging); FilterOptions reads them from a "filter"
	// object. An export takes the list's filter, so the list's own readers do it.
	ListOptions   func(q url.Values) (store.ListOptions, error)
	FilterOptions func(f map[string]any) (store.ListOptions, error)
}

// Service answers the export endpoints. It keeps the runs in flight (for their
// progress) and what previews found of each conversation, for the life of the
// process. Create it with New; it is safe for concurrent use.
type Service struct {
	cfg  Config
	runs progressRuns
	// checks keeps what export previews found of each conversation; reads counts
	// the conversations previews had to check (none kept).
	checks previewChecks
	reads  atomic.Int64
}

// New returns a Service over cfg. It does no I/O.
func New(cfg Config) *Service {
	return &Service{cfg: cfg}
}

// Error is a request the API refuses with a status of its own (400, 404, 409, 422)
// and a message for the person; app's error writer answers it as {"error": Msg}.
type Error struct {
	Status int
	Msg    string
}

func (e *Error) Error() string { return e.Msg }

func badRequest(format string, args ...any) error {
	return &Error{Status: http.StatusBadRequest, Msg: fmt.Sprintf(format, args...)}
}

// ErrNoDialog is what Config.SaveDialog returns when there is no dialog to show
// (llmtap serve): a save dialog needs the desktop window, and a browser tab of llmtap
// serve may not even be on the machine that runs it. "saveAs" then answers 409.
var ErrNoDialog = errors.New("a save dialog needs the desktop app; in the browser the export is written into the data folder's exports/")

// maxBody bounds a JSON request body, as the rest of the API does.
const maxBody = 1 << 20

// readJSON reads the JSON body of r into dst, refusing unknown fields.
func readJSON(r *http.Request, dst any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return badRequest("request body is not valid JSON for this endpoint: %v", err)
	}
	return nil
}

// pathID reads the {id} of r's path: a positive integer.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, badRequest("id %q: must be a positive integer", r.PathValue("id"))
	}
	return id, nil
}
