package access

import (
	"crypto/subtle"
	"html/template"
	"net/http"
	"strings"
	"time"
)

// LoginPath is the page where a browser enters the token once.
const LoginPath = "/login"

// cookieAge keeps a browser logged in for a year: the token is typed once per
// browser, as the issue asks, and changing the token logs every browser out.
const cookieAge = 365 * 24 * time.Hour

// login serves the token form (GET) and checks what it sends (POST). The Origin
// check in Wrap has run, so another site cannot log the browser in with its own token.
func (g *Guard) login(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		loginPage(w, http.StatusOK, "")
	case http.MethodPost:
		r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
		tok := strings.TrimSpace(r.PostFormValue("token"))
		if subtle.ConstantTimeCompare([]byte(tok), []byte(g.token)) != 1 {
			loginPage(w, http.StatusUnauthorized, "That is not the token. llmtap serve printed it at start; it is also in settings.json in the data folder.")
			return
		}
		http.SetCookie(w, &http.Cookie{
			Name: CookieName, Value: g.cookie, Path: "/",
			MaxAge: int(cookieAge / time.Second), HttpOnly: true, SameSite: http.SameSiteStrictMode,
			Secure: r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https",
		})
		http.Redirect(w, r, "/", http.StatusSeeOther)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		deny(w, http.StatusMethodNotAllowed, "method not allowed")
	}
}

func loginPage(w http.ResponseWriter, status int, problem string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	// The page must not be framed by another site (clickjacking the form).
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "frame-ancestors 'none'")
	w.WriteHeader(status)
	loginTemplate.Execute(w, problem) // a failed write: the client left
}

var loginTemplate = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>llmtap: log in</title>
<body style="font-family:system-ui;max-width:32em;margin:4em auto;padding:0 1em">
<h1>llmtap</h1>
<p>This llmtap listens beyond its own machine, so it asks for its UI token once per browser.
<code>llmtap serve</code> printed it at start.</p>
{{if .}}<p role="alert" style="color:#b00">{{.}}</p>{{end}}
<form method="post" action="/login">
<label>UI token <input name="token" type="password" autocomplete="current-password" autofocus required
 style="width:100%;font:inherit;padding:.3em"></label>
<p><button type="submit" style="font:inherit;padding:.3em 1em">Log in</button></p>
</form>
</body></html>
`))
