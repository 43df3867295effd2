package dataset

import (
	"bytes"
	"encoding/base64"
	"strings"
)

// Media in requests: OpenAI sends images, audio and files inline as base64 (in
// data: URLs or bare) or by reference; Ollama and the Responses API reuse these.

// mediaFromURL turns a URL into Media: a data: URL is decoded into Data and MIME,
// anything else (https://, a file ID) is kept in URL.
func mediaFromURL(kind, u string) Media {
	if mime, data, ok := parseDataURL(u); ok {
		return Media{Kind: kind, MIME: mime, Data: data}
	}
	return Media{Kind: kind, URL: u}
}

// mediaFromBase64 decodes inline base64 bytes into Media, sniffing the MIME type
// when mime is "". Bytes that are not base64 are kept as they are in URL, so
// nothing the client sent is lost.
func mediaFromBase64(kind, mime, b64 string) Media {
	if mime2, data, ok := parseDataURL(b64); ok {
		return Media{Kind: kind, MIME: mime2, Data: data}
	}
	data, ok := decodeBase64(b64)
	if !ok {
		return Media{Kind: kind, MIME: mime, URL: b64}
	}
	if mime == "" {
		mime = sniffMIME(data)
	}
	return Media{Kind: kind, MIME: mime, Data: data}
}

// parseDataURL decodes an RFC 2397 data: URL ("data:image/png;base64,...").
func parseDataURL(u string) (mime string, data []byte, ok bool) {
	rest, found := strings.CutPrefix(u, "data:")
	if !found {
		return "", nil, false
	}
	meta, payload, found := strings.Cut(rest, ",")
	if !found {
		return "", nil, false
	}
	mime, params, _ := strings.Cut(meta, ";")
	if strings.HasSuffix(params, "base64") {
		data, ok = decodeBase64(payload)
		return mime, data, ok
	}
	data, ok = percentDecode(payload)
	return mime, data, ok
}

// percentDecode undoes %XX escapes, as in a data: URL without ";base64". (It is
// written out here because the package may not import net/url.)
func percentDecode(s string) ([]byte, bool) {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			out = append(out, s[i])
			continue
		}
		if i+2 >= len(s) {
			return nil, false
		}
		hi, ok1 := unhex(s[i+1])
		lo, ok2 := unhex(s[i+2])
		if !ok1 || !ok2 {
			return nil, false
		}
		out = append(out, hi<<4|lo)
		i += 2
	}
	return out, true
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// decodeBase64 accepts standard or URL-safe base64, padded or not, with line breaks.
func decodeBase64(s string) ([]byte, bool) {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, s)
	enc := base64.StdEncoding
	if strings.ContainsAny(s, "-_") {
		enc = base64.URLEncoding
	}
	if data, err := enc.WithPadding(base64.NoPadding).DecodeString(strings.TrimRight(s, "=")); err == nil {
		return data, true
	}
	return nil, false
}

// sniffMIME names the type of common image formats from their magic bytes; "" when unknown.
func sniffMIME(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		return "image/jpeg"
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return "image/gif"
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return "image/webp"
	}
	return ""
}

func audioMIME(format string) string {
	switch format {
	case "":
		return ""
	case "mp3":
		return "audio/mpeg"
	}
	return "audio/" + format
}
