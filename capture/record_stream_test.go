package capture

import (
	"bytes"
	"testing"

	"github.com/llmtap/llmtap/internal/prose"
	"github.com/llmtap/llmtap/internal/spool"
	"github.com/llmtap/llmtap/internal/zpool"
	"github.com/llmtap/llmtap/proxy"
)

// TestRecordOfStreamedRequest: a request body the proxy forwarded as it arrived
// comes as a frame (Exchange.ReqZstd), in memory chunks or, once big, in a file; the
// record carries that frame as it is (the chunks themselves, or the file to be read
// while the log writes it), and decodes to the body, with the frame told apart for
// the store to keep.
func TestRecordOfStreamedRequest(t *testing.T) {
	for _, tt := range []struct {
		name  string
		body  []byte
		spill bool
	}{
		{"frame_in_memory", bytes.Repeat([]byte(`{"role":"user","content":"a long history, 成都美食"},`), 60_000), false},
		{"frame_in_a_file", []byte(prose.Text(5 << 20)), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := ""
			if tt.spill {
				dir = t.TempDir()
			}
			w := zpool.NewSpillingWriter(dir)
			for rest := tt.body; len(rest) > 0; {
				n := min(32<<10, len(rest))
				w.Write(rest[:n])
				rest = rest[n:]
			}
			f, err := w.Close()
			if err != nil {
				t.Fatal(err)
			}
			defer f.Release()
			if (f.File() != nil) != tt.spill {
				t.Fatalf("frame of %d bytes in a file: %v, want %v", f.Size(), f.File() != nil, tt.spill)
			}
			frame, _ := f.Bytes()
			ex := sampleExchange("", `{"choices":[]}`)
			ex.ReqZstd, ex.ReqLen = f, len(tt.body)
			p, err := encodeParts(ex)
			if err != nil {
				t.Fatal(err)
			}
			// The frame's pieces are the record's own: carried, not compressed again or copied.
			if pieces := f.Chunks(); pieces != nil {
				if len(p) != 1+len(pieces)+1 || &p[1].Bytes[0] != &pieces[0][0] {
					t.Errorf("record in %d parts, want the head, the frame's %d pieces as they are, the reply", len(p), len(pieces))
				}
			} else if len(p) != 3 || p[1].File != f.File() || p[1].Size != f.Size() {
				t.Errorf("record in %d parts, want the head, the frame's file, the reply", len(p))
			}
			rec, err := p.join()
			if err != nil {
				t.Fatal(err)
			}
			got, frames, err := decodeRecord(rec)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.ReqBody, tt.body) || string(got.RespBody) != `{"choices":[]}` {
				t.Errorf("decoded request of %d bytes and reply %q, want %d and the reply", len(got.ReqBody), got.RespBody, len(tt.body))
			}
			// The frame does not say the body's size (it was made as the body streamed): the
			// record does, and the body is decoded into a buffer of just that size.
			if cap(got.ReqBody) != len(tt.body) {
				t.Errorf("request decoded into a buffer of %d bytes for %d", cap(got.ReqBody), len(tt.body))
			}
			if !bytes.Equal(frames.req, frame) {
				t.Errorf("request frame of %d bytes, want the %d-byte frame the proxy made", len(frames.req), len(frame))
			}
		})
	}
}

// TestDecodeRecordAt: a record the log leaves in its file (a Section) decodes as it
// would from memory. A request body the store keeps as its frame (over
// store.MaxRefBody) is decoded from the file and its frame left there, readable
// until released; any other record is read whole; a damaged one is an error.
func TestDecodeRecordAt(t *testing.T) {
	words := []byte(prose.Text(6 << 20)) // a ~1.8 MB frame: the record passes lazyFrom
	bigReq := sampleExchange(string(words), `{"choices":[]}`)
	bigReq.RespHeader = nil
	bigResp := sampleExchange(`{"messages":[]}`, string(words)) // its request is small
	noResp := sampleExchange(string(words), "")
	for _, tt := range []struct {
		name   string
		ex     *proxy.Exchange
		lazy   bool // the request frame stays in the file
		damage bool
	}{
		{"big_request_left_in_the_file", bigReq, true, false},
		{"big_request_without_a_reply", noResp, true, false},
		{"small_request_big_reply_read_whole", bigResp, false, false},
		{"damaged_request_frame", bigReq, false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := encode(tt.ex)
			if err != nil {
				t.Fatal(err)
			}
			if len(rec) < lazyFrom {
				t.Fatalf("record of %d bytes, want one of lazyFrom (%d) or more", len(rec), lazyFrom)
			}
			if tt.damage {
				rec[len(rec)/2] ^= 0xff
			}
			log, err := spool.Open(t.TempDir(), spool.Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			defer log.Close()
			if _, err := log.Append([]byte("a small record first"), rec); err != nil {
				t.Fatal(err)
			}
			r := log.NewReader(0)
			defer r.Close()
			if _, sec, _, err := r.NextBig(lazyFrom); err != nil || sec != nil {
				t.Fatalf("the small record: section %v, %v", sec != nil, err)
			}
			_, sec, _, err := r.NextBig(lazyFrom)
			if err != nil || sec == nil {
				t.Fatalf("the big record: section %v, %v", sec != nil, err)
			}
			got, frames, err := decodeRecordAt(sec)
			want, wantFrames, wantErr := decodeRecord(rec)
			if tt.damage {
				if err == nil || wantErr == nil {
					t.Fatalf("damaged record decoded (%v; from memory: %v)", err, wantErr)
				}
				return
			}
			if err != nil || wantErr != nil {
				t.Fatalf("decode: %v (from memory: %v)", err, wantErr)
			}
			defer got.ReqZstd.Release()
			if !bytes.Equal(got.ReqBody, tt.ex.ReqBody) || !bytes.Equal(got.RespBody, tt.ex.RespBody) || got.URL != want.URL {
				t.Errorf("decoded request of %d bytes and reply of %d, want %d and %d", len(got.ReqBody), len(got.RespBody), len(tt.ex.ReqBody), len(tt.ex.RespBody))
			}
			if lazy := got.ReqZstd != nil && got.ReqZstd.File() != nil; lazy != tt.lazy {
				t.Fatalf("request frame left in the file: %v, want %v", lazy, tt.lazy)
			}
			if !tt.lazy {
				if !bytes.Equal(frames.req, wantFrames.req) || !bytes.Equal(frames.resp, wantFrames.resp) {
					t.Errorf("frames differ from the record read from memory")
				}
				return
			}
			// The frame left in the file is the record's, and decodes to the body.
			frame, err := got.ReqZstd.Bytes()
			if err != nil || !bytes.Equal(frame, wantFrames.req) || got.ReqLen != len(tt.ex.ReqBody) {
				t.Errorf("frame in the file: %d bytes (%v), want the record's %d; ReqLen %d", len(frame), err, len(wantFrames.req), got.ReqLen)
			}
			if !bytes.Equal(frames.resp, wantFrames.resp) {
				t.Errorf("reply frame of %d bytes, want %d", len(frames.resp), len(wantFrames.resp))
			}
			got.ReqZstd.Release()
			if _, err := sec.ReadAt(make([]byte, 1), 0); err == nil {
				t.Error("the section's file is still open once the frame was released")
			}
		})
	}
}
