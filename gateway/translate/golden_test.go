package translate

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// testTranslator is a Translator with a fixed clock and numbered IDs, so the
// golden files do not change from run to run.
func testTranslator() *Translator {
	n := 0
	return &Translator{
		now: func() time.Time { return time.Unix(1733270400, 0) },
		newID: func(prefix string) string {
			n++
			return fmt.Sprintf("%s%03d", prefix, n)
		},
	}
}

// goldenCase is one input file under testdata/<client>-<provider>/.
type goldenCase struct {
	client, provider string
	path             string // the input file
	name             string // subtest name: dir/file
}

func goldenCases(t *testing.T, suffix string) []goldenCase {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*", "*"+suffix))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no testdata/*/*%s files", suffix)
	}
	var cases []goldenCase
	for _, f := range files {
		dir := filepath.Base(filepath.Dir(f))
		client, provider, ok := strings.Cut(dir, "-")
		if !ok {
			t.Fatalf("testdata dir %q is not client-provider", dir)
		}
		name := strings.TrimSuffix(filepath.Base(f), suffix)
		cases = append(cases, goldenCase{client, provider, f, strings.ReplaceAll(dir, "-", "_") + "/" + name})
	}
	return cases
}

// checkGolden compares got with the golden file, or rewrites it under -update.
func checkGolden(t *testing.T, golden string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read golden (run with -update to create it): %v", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs (-update rewrites it):\n--- want\n%s\n--- got\n%s", golden, want, got)
	}
}

func indentJSON(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, b)
	}
	buf.WriteByte('\n')
	return buf.Bytes()
}

// TestRequestGolden translates each <case>.request.json for its provider and
// compares the path and body with <case>.request.golden.
func TestRequestGolden(t *testing.T) {
	for _, c := range goldenCases(t, ".request.json") {
		t.Run(c.name, func(t *testing.T) {
			in, err := os.ReadFile(c.path)
			if err != nil {
				t.Fatal(err)
			}
			var head struct {
				Stream bool `json:"stream"`
			}
			if err := json.Unmarshal(in, &head); err != nil {
				t.Fatal(err)
			}
			out, path, err := testTranslator().Request(c.client, c.provider, "provider-model", in, head.Stream)
			if err != nil {
				t.Fatalf("Request(%s, %s) error: %v", c.client, c.provider, err)
			}
			got := append([]byte("POST "+path+"\n"), indentJSON(t, out)...)
			checkGolden(t, strings.TrimSuffix(c.path, ".json")+".golden", got)
		})
	}
}

// TestResponseGolden translates each <case>.response.json provider reply for the
// client and compares it with <case>.response.golden.json.
func TestResponseGolden(t *testing.T) {
	for _, c := range goldenCases(t, ".response.json") {
		t.Run(c.name, func(t *testing.T) {
			in, err := os.ReadFile(c.path)
			if err != nil {
				t.Fatal(err)
			}
			out, err := testTranslator().Response(c.client, c.provider, "requested-model", in)
			if err != nil {
				t.Fatalf("Response(%s, %s) error: %v", c.client, c.provider, err)
			}
			checkGolden(t, strings.TrimSuffix(c.path, ".json")+".golden.json", indentJSON(t, out))
		})
	}
}

// splits returns the ways a stream is cut into writes: whole, one byte at a time,
// and random cuts from fixed seeds.
func splits(n int) map[string][]int {
	out := map[string][]int{"whole": {n}}
	ones := make([]int, n)
	for i := range ones {
		ones[i] = 1
	}
	out["bytes"] = ones
	for seed := range uint64(4) {
		r := rand.New(rand.NewPCG(seed, 17))
		var sizes []int
		for left := n; left > 0; {
			k := min(1+r.IntN(64), left)
			sizes = append(sizes, k)
			left -= k
		}
		out[fmt.Sprintf("random%d", seed)] = sizes
	}
	return out
}

// runStream feeds in to a fresh stream translator in writes of the given sizes,
// then calls end (Close or Abort), and returns what the client got.
func runStream(t *testing.T, c goldenCase, in []byte, sizes []int, end func(StreamTranslator) error) ([]byte, error) {
	t.Helper()
	var out bytes.Buffer
	st := testTranslator().Stream(c.client, c.provider, "requested-model", &out)
	var werr error
	for _, k := range sizes {
		if _, werr = st.Write(in[:k]); werr != nil {
			break
		}
		in = in[k:]
	}
	if werr != nil {
		return out.Bytes(), werr
	}
	err := end(st)
	return out.Bytes(), err
}

// TestStreamGolden feeds each <case>.stream provider stream, split every way
// splits gives, and checks every split yields <case>.stream.golden: the
// translation does not depend on where the network cut the bytes.
func TestStreamGolden(t *testing.T) {
	for _, c := range goldenCases(t, ".stream") {
		t.Run(c.name, func(t *testing.T) {
			in, err := os.ReadFile(c.path)
			if err != nil {
				t.Fatal(err)
			}
			var first []byte
			for name, sizes := range splits(len(in)) {
				got, err := runStream(t, c, in, sizes, StreamTranslator.Close)
				// A provider error event ends the stream with the client's error
				// event; the error is returned, and the output is still golden.
				if err != nil && !strings.Contains(c.name, "error") {
					t.Fatalf("split %s: stream error: %v", name, err)
				}
				if first == nil {
					first = got
					checkGolden(t, c.path+".golden", got)
				} else if !bytes.Equal(first, got) {
					t.Errorf("split %s gives another stream:\n%s\n--- than\n%s", name, got, first)
				}
			}
		})
	}
}

// TestStreamAbort cuts each provider stream in the middle and aborts: the client's
// stream must end with its dialect's error event, never a clean end. Close on the
// same cut stream must do the same and report ErrTruncated.
func TestStreamAbort(t *testing.T) {
	for _, c := range goldenCases(t, ".stream") {
		if strings.Contains(c.name, "error") {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			in, err := os.ReadFile(c.path)
			if err != nil {
				t.Fatal(err)
			}
			half := in[:len(in)/2]
			got, err := runStream(t, c, half, []int{len(half)}, func(st StreamTranslator) error {
				return st.Abort("upstream connection reset")
			})
			if err != nil {
				t.Fatalf("Abort error: %v", err)
			}
			checkGolden(t, strings.TrimSuffix(c.path, ".stream")+".abort.golden", got)
			assertErrorEnd(t, c.client, got, "upstream connection reset")

			got, err = runStream(t, c, half, []int{len(half)}, StreamTranslator.Close)
			if !errors.Is(err, ErrTruncated) {
				t.Errorf("Close on a cut stream = %v, want ErrTruncated", err)
			}
			assertErrorEnd(t, c.client, got, ErrTruncated.Error())
		})
	}
}

// assertErrorEnd checks the last event of a client stream is the error event and
// that no clean end came before it.
func assertErrorEnd(t *testing.T, client string, stream []byte, reason string) {
	t.Helper()
	events := strings.Split(strings.TrimSuffix(string(stream), "\n\n"), "\n\n")
	last := events[len(events)-1]
	var wantPrefix string
	switch client {
	case OpenAI:
		wantPrefix = `data: {"error":{"message":"` + reason
	case Anthropic:
		wantPrefix = "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"" + reason
	}
	if !strings.HasPrefix(last, wantPrefix) {
		t.Errorf("last event = %q, want prefix %q", last, wantPrefix)
	}
	for _, clean := range []string{"data: [DONE]", "event: message_stop"} {
		if strings.Contains(string(stream), clean) {
			t.Errorf("cut stream holds a clean end %q", clean)
		}
	}
}
