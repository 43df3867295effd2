package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/llmtap/llmtap/app/export"
	"github.com/llmtap/llmtap/dataset"
	"github.com/llmtap/llmtap/store"
)

// errNoNativeDrag: dragging a file out needs the desktop window's OS drag; a browser
// tab of llmtap serve drags the download URL instead (DownloadURL, Chromium only).
var errNoNativeDrag = errors.New("dragging a file out needs the desktop app; in a browser drag the link or use Download")

const (
	// dragWriteTimeout bounds writing a dragged export in the background.
	dragWriteTimeout = 10 * time.Minute
	// dragKeep is how long a drag folder stays: the drop target copies the file after
	// the drop, at its own pace, so it is removed only when a later drag starts.
	dragKeep = 24 * time.Hour
)

// handleDrag registers the drag-out endpoints of docs/api-review.md: POST /api/drag
// (the desktop app's native drag) and GET /api/export/download (a browser's drag or link).
func (a *App) handleDrag(handle func(string, func(*http.Request) (any, error)), mux *http.ServeMux) {
	handle("POST /api/drag", a.apiDrag)
	mux.HandleFunc("GET /api/export/download", a.serveDownload)
}

// DragAnswer is the answer of POST /api/drag: the drag began, and the export is being
// written to Path (the drop target receives it once complete).
type DragAnswer struct {
	Path string `json:"path"`
}

// exportScope is what a drag or a download writes: everything a filter takes, or the
// conversations listed by id, in that order and whatever their status.
type exportScope struct {
	format dataset.ExportFormat
	opt    dataset.ShareGPTOptions
	filter store.ExportFilter
	ids    []int64 // when not nil, these instead of the filter
}

// write writes the records of the scope to w; invalid conversations are counted in
// the report and left out (a dragged file has no place for their list).
func (s exportScope) write(ctx context.Context, db *store.DB, w io.Writer) (dataset.ExportReport, error) {
	if s.ids == nil {
		return export.WriteDataset(ctx, db, s.format, s.filter, s.opt, w, nil, nil)
	}
	return export.WriteRecords(ctx, db, s.format, s.ids, s.opt, w, nil, nil)
}

// scopeIDs checks the ids of a drag or download: positive, at least one, and only
// for the ShareGPT formats (preference pairs are walked by filter only).
func scopeIDs(ids []int64, format dataset.ExportFormat, withFilter bool) error {
	if withFilter {
		return badRequest("ids and filter: give one or the other")
	}
	if len(ids) == 0 {
		return badRequest("ids: give at least one conversation id")
	}
	for _, id := range ids {
		if id <= 0 {
			return badRequest("ids: %d is not a conversation id", id)
		}
	}
	if spec, _ := dataset.LookupFormat(format); spec.Pairs {
		return badRequest("format %s: takes a filter, not ids", format)
	}
	return nil
}

// apiDrag answers POST /api/drag {"format", "system", "filter" | "ids", "name"}: it
// reserves the file in a new folder under exports/drag/, starts writing the export
// there in the background, and starts the OS drag of it (Config.StartDrag) while the
// person still holds the mouse button. 409 without a native drag (llmtap serve).
func (a *App) apiDrag(r *http.Request) (any, error) {
	var body struct {
		export.Params
		Filter map[string]any `json:"filter"`
		IDs    []int64        `json:"ids"`
		Name   string         `json:"name"`
	}
	if err := readJSON(r, &body); err != nil {
		return nil, err
	}
	var s exportScope
	var err error
	if s.format, s.opt, err = body.Params.Parse(); err != nil {
		return nil, err
	}
	if body.IDs != nil {
		if err := scopeIDs(body.IDs, s.format, len(body.Filter) > 0); err != nil {
			return nil, err
		}
		s.ids = body.IDs
	} else if s.filter, err = a.export.BodyFilter(body.Filter); err != nil {
		return nil, err
	}
	name, err := export.FileName(body.Name, s.format, time.Now())
	if err != nil {
		return nil, err
	}
	if a.cfg.StartDrag == nil {
		return nil, &apiError{status: http.StatusConflict, msg: errNoNativeDrag.Error()}
	}
	path, err := a.reserveDragFile(name)
	if err != nil {
		return nil, err
	}
	// The file is written while the person drags, after this request has answered.
	ready := make(chan error, 1)
	cancel, err := a.startBackground(dragWriteTimeout, func(ctx context.Context) {
		ready <- a.writeDragFile(ctx, s, path)
	})
	if err != nil {
		os.RemoveAll(filepath.Dir(path))
		return nil, err
	}
	if err := a.cfg.StartDrag(r.Context(), path, ready); err != nil {
		// The drag never began: nobody will take the file.
		cancel()
		<-ready
		os.RemoveAll(filepath.Dir(path))
		return nil, &apiError{status: http.StatusInternalServerError, msg: "start the drag: " + err.Error()}
	}
	return DragAnswer{Path: path}, nil
}

// reserveDragFile makes a new folder under exports/drag/ and reserves name in it,
// first removing the drag folders older than dragKeep.
func (a *App) reserveDragFile(name string) (string, error) {
	root := filepath.Join(a.cfg.DataDir, "exports", "drag")
	if err := os.MkdirAll(root, 0o700); err != nil {
		return "", fmt.Errorf("create drag folder: %w", err)
	}
	entries, _ := os.ReadDir(root) // an unreadable root fails MkdirTemp below
	for _, e := range entries {
		if info, err := e.Info(); err == nil && e.IsDir() && time.Since(info.ModTime()) > dragKeep {
			if err := os.RemoveAll(filepath.Join(root, e.Name())); err != nil {
				a.log.Warn("remove old drag folder", "path", filepath.Join(root, e.Name()), "err", err)
			}
		}
	}
	dir, err := os.MkdirTemp(root, "")
	if err != nil {
		return "", fmt.Errorf("create drag folder: %w", err)
	}
	return export.ReserveFile(dir, name)
}

// writeDragFile writes the export next to path under a hidden name and renames it
// over the reservation once complete, so a drop never sees half a file; on failure
// the reservation is removed too.
func (a *App) writeDragFile(ctx context.Context, s exportScope, path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".llmtap-drag-*")
	if err != nil {
		return fmt.Errorf("write dragged export %q: %w", path, err)
	}
	report, err := s.write(ctx, a.db, tmp)
	err = errors.Join(err, tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), path) // as export.Run publishes a file: whole or not at all
	}
	if err != nil {
		os.Remove(tmp.Name())
		os.Remove(path)
		if !errors.Is(err, context.Canceled) { // canceled: the drag never began, nobody waits
			a.log.Warn("dragged export failed", "path", path, "err", err)
		}
		return fmt.Errorf("write dragged export %q: %w", path, err)
	}
	a.log.Debug("dragged export written", "path", path, "written", report.Written, "invalid", report.Invalid)
	return nil
}

// serveDownload answers GET /api/export/download?format=&system=&status=&…&ids=1,2&name=:
// the export as an attachment, streamed as it is written. The query takes what the
// preview takes, or ids (comma-separated) instead of the filter, and a file name.
func (a *App) serveDownload(w http.ResponseWriter, r *http.Request) {
	s, name, err := a.downloadScope(r.URL.Query())
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	spec, _ := dataset.LookupFormat(s.format) // downloadScope checked it
	typ := spec.MIME
	lw := &lazyHeader{w: w, header: func(h http.Header) {
		h.Set("Content-Type", typ+"; charset=utf-8")
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
		h.Set("Cache-Control", "no-store")
	}}
	if _, err := s.write(r.Context(), a.db, lw); err != nil {
		if lw.started {
			a.log.Warn("download failed", "name", name, "err", err)
			// The status is sent: break the connection so the file is not taken as
			// whole. Only net/http recovers that panic; the desktop window's in-process
			// AssetServer does not (and does not download: it drags natively).
			if r.Context().Value(http.ServerContextKey) != nil {
				panic(http.ErrAbortHandler)
			}
			return
		}
		a.writeError(w, r, err)
		return
	}
	if !lw.started {
		// An empty JSON Lines export writes nothing; the headers still say it is a file.
		lw.Write(nil)
	}
}

// downloadScope reads the query of GET /api/export/download.
func (a *App) downloadScope(q url.Values) (exportScope, string, error) {
	idList, name := q.Get("ids"), q.Get("name")
	q.Del("ids")
	q.Del("name")
	withFilter := slices.ContainsFunc(filterKeys, q.Has)
	var s exportScope
	var err error
	if s.format, s.opt, s.filter, err = a.export.ParseQuery(q); err != nil {
		return s, "", err
	}
	if idList != "" {
		for _, f := range strings.Split(idList, ",") {
			id, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				return s, "", badRequest("ids %q: must be conversation ids separated by commas", idList)
			}
			s.ids = append(s.ids, id)
		}
		if err := scopeIDs(s.ids, s.format, withFilter); err != nil {
			return s, "", err
		}
	}
	name, err = export.FileName(name, s.format, time.Now())
	return s, name, err
}

// lazyHeader sets the headers of a successful answer on the first Write, so an error
// found before any record (a bad search, an unknown id) still gets its JSON status.
type lazyHeader struct {
	w       http.ResponseWriter
	header  func(http.Header)
	started bool
}

func (l *lazyHeader) Write(p []byte) (int, error) {
	if !l.started {
		l.started = true
		l.header(l.w.Header())
		l.w.WriteHeader(http.StatusOK)
	}
	return l.w.Write(p)
}
