package dataset

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestParseOllamaGolden(t *testing.T) {
	checkParseGolden(t, filepath.Join("testdata", "ollama"), func(name string) Dialect {
		if strings.HasPrefix(name, "generate_") {
			return OllamaGenerate
		}
		return OllamaChat
	})
}

func FuzzParseOllama(f *testing.F) {
	dir := filepath.Join("testdata", "ollama")
	for _, name := range goldenCases(f, dir, ".req.json") {
		base := filepath.Join(dir, name)
		f.Add(readFile(f, base+".req.json"), readFile(f, base+".resp"), strings.HasPrefix(name, "generate_"))
	}
	f.Fuzz(func(t *testing.T, req, resp []byte, generate bool) {
		d := OllamaChat
		if generate {
			d = OllamaGenerate
		}
		checkParseFuzz(t, d, req, resp)
	})
}
