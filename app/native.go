package app

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	"github.com/llmtap/llmtap/app/export"
	"github.com/llmtap/llmtap/dataset"
)

// RevealCommand is the command that shows path selected in the OS file manager.
func RevealCommand(goos, path string) []string {
	switch goos {
	case "darwin":
		return []string{"open", "-R", path}
	case "windows":
		return []string{"explorer", "/select," + path}
	}
	// xdg-open cannot select a file: it opens the folder that holds it.
	return []string{"xdg-open", filepath.Dir(path)}
}

// apiReveal answers POST /api/reveal {"path": "..."}: it opens the folder of a file
// llmtap exported, in the OS file manager ("Show in folder").
func (a *App) apiReveal(r *http.Request) (any, error) {
	var body struct {
		Path string `json:"path"`
	}
	if err := readJSON(r, &body); err != nil {
		return nil, err
	}
	if !filepath.IsAbs(body.Path) {
		return nil, badRequest("path %q: must be an absolute path", body.Path)
	}
	if _, err := os.Stat(body.Path); err != nil {
		return nil, &apiError{status: http.StatusNotFound, msg: fmt.Sprintf("path %q: no such file", body.Path)}
	}
	args := RevealCommand(runtime.GOOS, body.Path)
	cmd := exec.Command(args[0], args[1:]...)
	if err := cmd.Start(); err != nil {
		return nil, &apiError{status: http.StatusInternalServerError, msg: fmt.Sprintf("show in folder: %v", err)}
	}
	go cmd.Wait()
	return nil, nil
}

// apiRecord answers GET /api/conversations/{id}/record?format=sharegpt&system=field:
// the one record the export would write for this conversation ("Copy as JSON"), or
// 422 with why it cannot be made valid.
func (a *App) apiRecord(r *http.Request) (any, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	_, opt, err := export.QueryParams(r.URL.Query()).Parse()
	if err != nil {
		return nil, err
	}
	c, err := a.db.ExportConversation(r.Context(), id)
	if err != nil {
		return nil, err
	}
	rec, err := dataset.ToShareGPT(c, opt)
	if err != nil {
		return nil, &apiError{status: http.StatusUnprocessableEntity, msg: err.Error()}
	}
	return rec, nil
}
