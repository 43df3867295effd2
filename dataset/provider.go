package dataset

import (
	"net/netip"
	"strings"
)

// providerHosts maps an API host to its provider. A host matches itself and its
// subdomains or "-" prefixed regional forms; a prefix ("api.moonshot.") matches any
// host it starts.
var providerHosts = []struct {
	host, provider string
	prefix         bool
}{
	{"api.openai.com", "openai", false},
	{"api.anthropic.com", "anthropic", false},
	{"generativelanguage.googleapis.com", "gemini", false},
	{"aiplatform.googleapis.com", "gemini", false}, // Vertex AI, as {region}-aiplatform.googleapis.com too
	{"api.deepseek.com", "deepseek", false},
	{"openrouter.ai", "openrouter", false},
	{"api.groq.com", "groq", false},
	{"api.mistral.ai", "mistral", false},
	{"api.together.xyz", "together", false},
	{"api.moonshot.", "moonshot", true}, // .cn and .ai
	{"dashscope", "dashscope", true},    // dashscope.aliyuncs.com, dashscope-intl.aliyuncs.com
	{"api.siliconflow.", "siliconflow", true},
	{"models.github.ai", "github", false},
	{"models.inference.ai.azure.com", "github", false}, // GitHub Models' older endpoint
}

// ollamaPort is Ollama's default port: its OpenAI-compatible endpoints speak the
// OpenAI dialect, so the port is the only sign of who answers.
const ollamaPort = "11434"

// Provider names the service behind an API host ("openai", "anthropic", "gemini",
// "deepseek", …). A host on this machine or the local network is "ollama" when it
// speaks an Ollama dialect or listens on Ollama's port, and "local" otherwise. Any
// other host gives "". host may carry a port.
func Provider(host string, d Dialect) string {
	name, port := splitHostPort(strings.ToLower(strings.TrimSpace(host)))
	for _, p := range providerHosts {
		if p.prefix && strings.HasPrefix(name, p.host) || !p.prefix && (name == p.host ||
			strings.HasSuffix(name, "."+p.host) || strings.HasSuffix(name, "-"+p.host)) {
			return p.provider
		}
	}
	if !isLocalHost(name) {
		return ""
	}
	if d == OllamaChat || d == OllamaGenerate || port == ollamaPort {
		return "ollama"
	}
	return "local"
}

// splitHostPort splits "host:port" and "[v6]:port"; a bare host has port "".
func splitHostPort(h string) (host, port string) {
	if strings.HasPrefix(h, "[") {
		if end := strings.Index(h, "]"); end > 0 {
			return h[1:end], strings.TrimPrefix(h[end+1:], ":")
		}
	}
	if strings.Count(h, ":") == 1 {
		host, port, _ = strings.Cut(h, ":")
		return host, port
	}
	return h, ""
}

// isLocalHost reports whether a host name or address is this machine or a private network.
func isLocalHost(name string) bool {
	if name == "localhost" || strings.HasSuffix(name, ".localhost") || strings.HasSuffix(name, ".local") ||
		strings.HasSuffix(name, ".lan") || name == "host.docker.internal" {
		return true
	}
	ip, err := netip.ParseAddr(name)
	return err == nil && (ip.IsLoopback() || ip.IsPrivate() || ip.IsUnspecified() || ip.IsLinkLocalUnicast())
}

// ClientName shortens a User-Agent to the product that sent it, with its version:
// "OpenAI/Python 1.55.0" stays, "Mozilla/5.0 (X11; …) … Chrome/131.0.0.0 Safari/537.36"
// becomes "Chrome/131.0.0.0", "python-requests/2.32.3 extra" becomes
// "python-requests/2.32.3". Comments in parentheses are dropped and the result is at
// most 64 bytes. "" stays "".
func ClientName(ua string) string {
	var tokens []string
	depth := 0
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			tokens = append(tokens, cur.String())
			cur.Reset()
		}
	}
	for _, r := range ua {
		switch {
		case r == '(':
			flush()
			depth++
		case r == ')':
			depth = max(0, depth-1)
		case depth > 0:
		case r == ' ' || r == '\t':
			flush()
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	if len(tokens) == 0 {
		return ""
	}
	name := tokens[0]
	switch {
	case strings.HasPrefix(name, "Mozilla/"):
		name = browserProduct(tokens[1:], name)
	case len(tokens) > 1 && !strings.Contains(tokens[1], "/") && tokens[1][0] >= '0' && tokens[1][0] <= '9':
		// "OpenAI/Python 1.55.0", "curl 8.5": the version is the next word.
		name += " " + tokens[1]
	}
	if len(name) > 64 {
		name = name[:64]
	}
	return name
}

// browserEngines are the products every browser names; they say nothing of the app.
var browserEngines = map[string]bool{"AppleWebKit": true, "Gecko": true, "Safari": true, "Mobile": true,
	"Version": true, "Chrome": true, "Chromium": true, "Electron": true, "Firefox": true, "Edg": true, "OPR": true}

// browserProduct picks from a browser-style User-Agent (after "Mozilla/5.0") the app
// that names itself (an Electron app, a webview), else the browser: Edge, Opera,
// Firefox, Chrome, Safari in that order. fallback is used when nothing fits.
func browserProduct(tokens []string, fallback string) string {
	byName := map[string]string{}
	for _, t := range tokens {
		p, _, ok := strings.Cut(t, "/")
		if !ok {
			continue
		}
		if !browserEngines[p] {
			return t
		}
		byName[p] = t
	}
	for _, p := range []string{"Edg", "OPR", "Firefox", "Chrome", "Safari"} {
		if t, ok := byName[p]; ok {
			return t
		}
	}
	return fallback
}
