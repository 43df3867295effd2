package dataset

import (
	"encoding/base64"
	"strings"
)

// ImagePlaceholder is the token LLaMA-Factory's multimodal plugins read in a
// message's text, once per image of the record's "images" column, in order.
const ImagePlaceholder = "<image>"

// MediaStore writes the images of an export and says how a record refers to
// them. The app's writes the files beside the dataset; a nil MediaStore in
// ShareGPTOptions leaves images out of the records.
type MediaStore interface {
	// Path writes m beside the dataset, once per content, and returns how the
	// "images" column of LLaMA-Factory's formats names it: a path relative to the
	// dataset's folder, or m.URL for an image the client sent by reference.
	Path(m Media) (string, error)
	// DataURL returns m as a data: URL for OpenAI's image_url parts, or m.URL for
	// an image sent by reference.
	DataURL(m Media) (string, error)
}

// images returns the images m carries.
func images(m Message) []Media {
	var out []Media
	for _, md := range m.Media {
		if md.Kind == "image" {
			out = append(out, md)
		}
	}
	return out
}

// imagePaths writes the images of m through store and returns the placeholders
// that go before m's text and the column entries, in order; none when store is nil.
func imagePaths(store MediaStore, m Message) (prefix string, paths []string, err error) {
	if store == nil {
		return "", nil, nil
	}
	for _, md := range images(m) {
		p, err := store.Path(md)
		if err != nil {
			return "", nil, err
		}
		paths = append(paths, p)
	}
	return strings.Repeat(ImagePlaceholder, len(paths)), paths, nil
}

// DataURL is m as an RFC 2397 data: URL when its bytes are at hand, else its URL:
// what a MediaStore whose bytes are all in memory returns.
func DataURL(m Media) string {
	if len(m.Data) == 0 {
		return m.URL
	}
	mime := m.MIME
	if mime == "" {
		mime = sniffMIME(m.Data)
	}
	if mime == "" {
		mime = "application/octet-stream"
	}
	return "data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(m.Data)
}

// MediaExt is the file extension for an image of type mime, with its dot.
func MediaExt(mime string) string {
	switch mime {
	case "image/png":
		return ".png"
	case "image/jpeg", "image/jpg":
		return ".jpg"
	case "image/gif":
		return ".gif"
	case "image/webp":
		return ".webp"
	}
	return ".bin"
}

// countPlaceholders counts ImagePlaceholder in the values of turns.
func countPlaceholders(texts ...string) int {
	n := 0
	for _, t := range texts {
		n += strings.Count(t, ImagePlaceholder)
	}
	return n
}

// SniffImageType names the type of common image formats from their magic bytes; ""
// when unknown.
func SniffImageType(b []byte) string { return sniffMIME(b) }
