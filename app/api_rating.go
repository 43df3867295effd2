package app

import "net/http"

// apiSetScore answers PUT /api/conversations/{id}/score {"score": 1..5} (0 clears it) with 204.
func (a *App) apiSetScore(r *http.Request) (any, error) {
	id, n, err := idAndInt(r, "score", `{"score": 1} to {"score": 5}, or {"score": 0} to clear it`)
	if err != nil {
		return nil, err
	}
	return nil, a.db.SetScore(r.Context(), id, n)
}

// apiSetThumb answers PUT /api/messages/{id}/thumb {"thumb": 1 | -1 | 0} with 204.
func (a *App) apiSetThumb(r *http.Request) (any, error) {
	id, n, err := idAndInt(r, "thumb", `{"thumb": 1} (up), {"thumb": -1} (down) or {"thumb": 0}`)
	if err != nil {
		return nil, err
	}
	return nil, a.db.SetThumb(r.Context(), id, n)
}

// idAndInt reads the {id} of the path and a body {key: n}, which must name key.
func idAndInt(r *http.Request, key, shape string) (int64, int, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, 0, err
	}
	var body map[string]*int
	if err := readJSON(r, &body); err != nil {
		return 0, 0, err
	}
	v, ok := body[key]
	if !ok || v == nil || len(body) != 1 {
		return 0, 0, badRequest("%s: missing or not an integer; the body is %s", key, shape)
	}
	return id, *v, nil
}
