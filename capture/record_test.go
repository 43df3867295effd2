package capture

import (
	"bytes"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/llmtap/llmtap/internal/zpool"
	"github.com/llmtap/llmtap/proxy"
)

func sampleExchange(req, resp string) *proxy.Exchange {
	t0 := time.Date(2026, 12, 4, 10, 0, 0, 123456789, time.UTC)
	return &proxy.Exchange{
		Method: "POST", URL: "https://api.example.com/v1/chat/completions", Route: "target",
		Host: "api.example.com", Path: "/v1/chat/completions",
		ReqHeader: http.Header{"Content-Type": {"application/json"}, "Authorization": {"[REDACTED]"}},
		ReqBody:   []byte(req), Status: 200,
		RespHeader: http.Header{"Content-Type": {"text/event-stream"}},
		RespBody:   []byte(resp), Stream: true, Truncated: true, Aborted: true, Err: "cut",
		Start: t0, FirstByte: t0.Add(time.Millisecond), End: t0.Add(time.Second),
	}
}

func TestRecordRoundTrip(t *testing.T) {
	big := bytes.Repeat([]byte(`{"role":"user","content":"again and again"},`), 50_000)
	tests := []struct {
		name string
		ex   *proxy.Exchange
	}{
		{"both_bodies", sampleExchange(`{"model":"m"}`, "data: {}\n\n")},
		{"no_bodies", sampleExchange("", "")},
		{"request_only", sampleExchange(`{"a":1}`, "")},
		{"response_only", sampleExchange("", `{"b":2}`)},
		{"two_megabytes", sampleExchange(string(big), string(big))},
		{"zero_times", &proxy.Exchange{Method: "GET", URL: "http://h/x", Host: "h", Path: "/x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := encode(tt.ex)
			if err != nil {
				t.Fatal(err)
			}
			got, frames, err := decodeRecord(rec)
			if err != nil {
				t.Fatal(err)
			}
			// Each body's own frame comes back, to be stored as it is.
			for _, f := range []struct {
				name        string
				body, frame []byte
			}{{"request", tt.ex.ReqBody, frames.req}, {"response", tt.ex.RespBody, frames.resp}} {
				if len(f.body) > 0 {
					if want := zpool.Encode(f.body, nil); !bytes.Equal(f.frame, want) {
						t.Errorf("%s frame: %d bytes, want the %d of its encoding", f.name, len(f.frame), len(want))
					}
				} else if f.frame != nil {
					t.Errorf("%s frame of %d bytes for no body", f.name, len(f.frame))
				}
			}
			if diff := cmp.Diff(tt.ex, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }),
				cmp.Comparer(func(a, b []byte) bool { return bytes.Equal(a, b) })); diff != "" {
				t.Errorf("decode(encode(ex)) (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDecodeOneFrame: a record whose parts share one frame (frames are not told
// apart) decodes as before, without a response frame.
func TestDecodeOneFrame(t *testing.T) {
	ex := sampleExchange(`{"model":"m"}`, "data: {}\n\n")
	rec, err := encode(ex)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := zpool.Decode(rec[1:], nil)
	if err != nil {
		t.Fatal(err)
	}
	one := zpool.Encode(raw, []byte{recordVersion})
	got, frames, err := decodeRecord(one)
	if err != nil {
		t.Fatal(err)
	}
	if frames.req != nil || frames.resp != nil || string(got.ReqBody) != string(ex.ReqBody) || string(got.RespBody) != string(ex.RespBody) {
		t.Errorf("decodeRecord(one frame) = %q, %q, frames %d and %d bytes; want %q, %q, none",
			got.ReqBody, got.RespBody, len(frames.req), len(frames.resp), ex.ReqBody, ex.RespBody)
	}
}

func TestDecodeRefusesDamage(t *testing.T) {
	rec, _ := encode(sampleExchange(`{"model":"m"}`, "ok"))
	tests := []struct {
		name string
		rec  []byte
	}{
		{"empty", nil},
		{"other_version", append([]byte{9}, rec[1:]...)},
		{"cut_short", rec[:len(rec)/2]},
		{"not_zstd", []byte{recordVersion, 1, 2, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := decode(tt.rec); !errors.Is(err, errRecord) {
				t.Errorf("decode = %v, want errRecord", err)
			}
		})
	}
}

// FuzzDecode: any bytes give an Exchange or errRecord, never a panic.
func FuzzDecode(f *testing.F) {
	rec, _ := encode(sampleExchange(`{"model":"m"}`, "data: x\n\n"))
	f.Add(rec)
	f.Add([]byte{recordVersion})
	f.Fuzz(func(t *testing.T, b []byte) {
		ex, frames, err := decodeRecord(b)
		if frames.req != nil {
			if body, err := zpool.Decode(frames.req, nil); err != nil || !bytes.Equal(body, ex.ReqBody) {
				t.Fatalf("request frame decodes to %d bytes (%v), the body is %d", len(body), err, len(ex.ReqBody))
			}
		}
		if frames.resp != nil {
			if body, err := zpool.Decode(frames.resp, nil); err != nil || !bytes.Equal(body, ex.RespBody) {
				t.Fatalf("response frame decodes to %d bytes (%v), the body is %d", len(body), err, len(ex.RespBody))
			}
		}
		if err != nil && !errors.Is(err, errRecord) {
			t.Fatalf("decode error %v does not wrap errRecord", err)
		}
		if err == nil && ex == nil {
			t.Fatal("decode gave neither an exchange nor an error")
		}
		// Read from where it lies, a record with a request body decodes to the same,
		// its frame left there being the one decodeRecord finds; anything else is
		// refused and read whole.
		released := false
		lazy, lazyFrames, ok := decodeLazy(bytes.NewReader(b), int64(len(b)), 0, func() { released = true })
		if !ok {
			return
		}
		if err != nil || frames.req == nil {
			t.Fatalf("read from where it lies, a record decodeRecord refuses (%v) or gives no request frame decodes", err)
		}
		frame, ferr := lazy.ReqZstd.Bytes()
		if ferr != nil || !bytes.Equal(frame, frames.req) || !bytes.Equal(lazy.ReqBody, ex.ReqBody) ||
			!bytes.Equal(lazy.RespBody, ex.RespBody) || !bytes.Equal(lazyFrames.resp, frames.resp) || lazy.ReqLen != len(ex.ReqBody) {
			t.Fatalf("read from where it lies: request %d bytes, frame %d, reply %d; from memory: %d, %d, %d",
				len(lazy.ReqBody), len(frame), len(lazy.RespBody), len(ex.ReqBody), len(frames.req), len(ex.RespBody))
		}
		lazy.ReqZstd.Release()
		if !released {
			t.Fatal("releasing the frame did not release what it lies in")
		}
	})
}
