package app

import (
	"errors"
	"net/http"
)

func (a *App) apiSystemProxy(r *http.Request) (any, error) { return a.SystemProxy(), nil }

func (a *App) apiSetSystemProxy(r *http.Request) (any, error) {
	var body struct {
		On *bool `json:"on"`
	}
	if err := readJSON(r, &body); err != nil {
		return nil, err
	}
	if body.On == nil {
		return nil, badRequest(`body must be {"on": true} or {"on": false}`)
	}
	if err := a.SetSystemProxy(r.Context(), *body.On); err != nil {
		if errors.Is(err, errNeedsMITM) || a.sysproxy == nil {
			return nil, &apiError{status: http.StatusConflict, msg: err.Error()}
		}
		// A settings tool failed: the person needs its message to act on it.
		return nil, &apiError{status: http.StatusInternalServerError, msg: err.Error()}
	}
	return a.SystemProxy(), nil
}
