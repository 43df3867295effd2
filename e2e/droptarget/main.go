//go:build linux

// Command droptarget is a drop target for the desktop end-to-end test: a small GTK 3
// window that accepts text/uri-list drops (XDND under X11, wl_data_device under
// Wayland, where the compositor places it and x, y say nothing) and, as a
// file manager's folder would, copies each dropped file:// file into -dir. It prints
// one JSON line when its window is up, one when a drag first moves over it (it has
// told the drag source it takes the drop by then, and under Wayland the compositor has
// taken that answer), and one for each drop:
//
//	{"ready":true,"x":1320,"y":100,"width":320,"height":240}
//	{"over":true}
//	{"pointer":{"x":120,"y":80}}   (the pointer moved within the window, not dragging)
//	{"focused":true}               (the window got the keyboard focus)
//	{"uris":["file:///…/chats.json"],"files":["DIR/chats.json"]}
//	{"uris":[…],"error":"…"}
//
//	droptarget -dir DIR [-x 1320 -y 100 -width 320 -height 240] [-once]
package main

/*
#cgo pkg-config: gtk+-3.0
#include <stdlib.h>
#include <gtk/gtk.h>
#ifdef GDK_WINDOWING_WAYLAND
#include <gdk/gdkwayland.h>
#endif

extern void goDropped(char **uris, int len, char *target);
extern void goMapped(int x, int y, int width, int height);
extern void goOver(void);
extern void goPointer(int x, int y);
extern void goFocused(void);

// over is set while a drag is over the window, so each drag reports it once.
static gboolean over = FALSE;

// answered is set once the compositor told the drag's action for the drag over the
// window: under Wayland it settles the action from the source's and ours, and tells
// it (wl_data_offer.action) only once it has handled our answer, which GDK passes on as
// a drag motion of its own, with no time (GDK_CURRENT_TIME); the motions of the pointer
// carry the compositor's time. (The context's selected action tells nothing here: GDK
// sets it from the source's actions too.) Until then a release may drop on a window
// that has not accepted, for the compositor: Mutter, under load, handled the test's
// release before the answer the drop target had sent 6 ms earlier, and cancelled the
// drop. Under X11 GTK sent the source our status before this signal, and the source
// reads it before a release that comes later.
static gboolean answered = FALSE;

static gboolean taken(GtkWidget *w, GdkDragContext *c, guint time) {
#ifdef GDK_WINDOWING_WAYLAND
	if (GDK_IS_WAYLAND_DISPLAY(gtk_widget_get_display(w))) {
		if (time == GDK_CURRENT_TIME) {
			answered = TRUE;
		}
		return answered;
	}
#endif
	return TRUE;
}

// drag-motion, after GTK_DEST_DEFAULT_MOTION has already told the source the drop
// would be taken: the test lets go only once the drop is taken (taken).
static gboolean motion(GtkWidget *w, GdkDragContext *c, gint x, gint y, guint time, gpointer p) {
	if (taken(w, c, time) && !over) {
		over = TRUE;
		gdk_display_flush(gtk_widget_get_display(w)); // the status reaches the source first
		goOver();
	}
	return FALSE;
}

static void left(GtkWidget *w, GdkDragContext *c, guint time, gpointer p) {
	over = FALSE;
	answered = FALSE;
}

static void dropped(GtkWidget *w, GdkDragContext *c, gint x, gint y, GtkSelectionData *sel,
		guint info, guint time, gpointer p) {
	gchar **uris = gtk_selection_data_get_uris(sel);
	gchar *target = gdk_atom_name(gtk_selection_data_get_target(sel));
	goDropped(uris, uris == NULL ? 0 : g_strv_length(uris), target);
	g_strfreev(uris);
	g_free(target);
	// GTK_DEST_DEFAULT_DROP finishes the drop: a success when data came.
}

// motion-notify: where the pointer is within the window (not during a drag), so a
// test on Wayland, where no client knows where its window is, can find it.
static gboolean pointer(GtkWidget *w, GdkEventMotion *e, gpointer p) {
	goPointer((int)e->x, (int)e->y);
	return FALSE;
}

// focus-in: the window has the keyboard (a test tiles it with a key press then).
static gboolean focused(GtkWidget *w, GdkEventFocus *e, gpointer p) {
	goFocused();
	return FALSE;
}

static gboolean mapped(GtkWidget *w, GdkEvent *e, gpointer p) {
	gint x, y;
	gdk_window_get_origin(gtk_widget_get_window(w), &x, &y);
	goMapped(x, y, gtk_widget_get_allocated_width(w), gtk_widget_get_allocated_height(w));
	return FALSE;
}

static void run(char *title, int x, int y, int width, int height) {
	gtk_init(NULL, NULL);
	GtkWidget *win = gtk_window_new(GTK_WINDOW_TOPLEVEL);
	gtk_window_set_title(GTK_WINDOW(win), title);
	gtk_window_set_default_size(GTK_WINDOW(win), width, height);
	gtk_window_move(GTK_WINDOW(win), x, y);
	gtk_container_add(GTK_CONTAINER(win), gtk_label_new("Drop a file here"));
	GtkTargetEntry targets[] = {{"text/uri-list", 0, 0}};
	gtk_drag_dest_set(win, GTK_DEST_DEFAULT_ALL, targets, 1, GDK_ACTION_COPY);
	g_signal_connect(win, "drag-data-received", G_CALLBACK(dropped), NULL);
	g_signal_connect_after(win, "drag-motion", G_CALLBACK(motion), NULL);
	g_signal_connect(win, "drag-leave", G_CALLBACK(left), NULL);
	g_signal_connect(win, "map-event", G_CALLBACK(mapped), NULL);
	gtk_widget_add_events(win, GDK_POINTER_MOTION_MASK);
	g_signal_connect(win, "motion-notify-event", G_CALLBACK(pointer), NULL);
	g_signal_connect(win, "focus-in-event", G_CALLBACK(focused), NULL);
	g_signal_connect(win, "destroy", G_CALLBACK(gtk_main_quit), NULL);
	gtk_widget_show_all(win);
	gtk_main();
}

static void quit(void) {
	gtk_main_quit();
}
*/
import "C"

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"unsafe"
)

// The flags, read by the callbacks: the GTK loop owns the program once it runs.
var (
	dir  = flag.String("dir", "", "copy dropped files into this folder (required)")
	once = flag.Bool("once", false, "exit after the first drop")
)

func main() {
	runtime.LockOSThread() // GTK lives on the main thread
	title := flag.String("title", "llmtap drop target", "window title")
	x := flag.Int("x", 1320, "window position, left")
	y := flag.Int("y", 100, "window position, top")
	width := flag.Int("width", 320, "window width")
	height := flag.Int("height", 240, "window height")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "droptarget: -dir is required")
		os.Exit(2)
	}
	ctitle := C.CString(*title)
	defer C.free(unsafe.Pointer(ctitle))
	C.run(ctitle, C.int(*x), C.int(*y), C.int(*width), C.int(*height))
}

func emit(v any) {
	b, _ := json.Marshal(v)
	fmt.Println(string(b))
}

//export goMapped
func goMapped(x, y, width, height C.int) {
	emit(map[string]any{"ready": true, "x": int(x), "y": int(y), "width": int(width), "height": int(height)})
}

//export goOver
func goOver() {
	emit(map[string]any{"over": true})
}

//export goFocused
func goFocused() {
	emit(map[string]any{"focused": true})
}

//export goPointer
func goPointer(x, y C.int) {
	emit(map[string]any{"pointer": map[string]int{"x": int(x), "y": int(y)}})
}

//export goDropped
func goDropped(curis **C.char, n C.int, target *C.char) {
	drop := struct {
		Target string   `json:"target"`
		URIs   []string `json:"uris"`
		Files  []string `json:"files,omitempty"`
		Error  string   `json:"error,omitempty"`
	}{Target: C.GoString(target), URIs: []string{}}
	for _, p := range unsafe.Slice(curis, int(n)) {
		drop.URIs = append(drop.URIs, C.GoString(p))
	}
	for _, u := range drop.URIs {
		f, err := copyDropped(u)
		if err != nil {
			drop.Error = err.Error()
			break
		}
		drop.Files = append(drop.Files, f)
	}
	if len(drop.URIs) == 0 {
		drop.Error = "the drop carried no URIs"
	}
	emit(drop)
	if *once {
		C.quit()
	}
}

// copyDropped copies the file a file:// URI names into -dir, as a file manager does
// on a drop, and returns the copy's path.
func copyDropped(uri string) (string, error) {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "file" {
		return "", fmt.Errorf("dropped %q: not a file URI", uri)
	}
	src, err := os.Open(u.Path)
	if err != nil {
		return "", fmt.Errorf("open dropped file: %w", err)
	}
	defer src.Close()
	dst := filepath.Join(*dir, filepath.Base(u.Path))
	out, err := os.Create(dst)
	if err != nil {
		return "", fmt.Errorf("copy dropped file: %w", err)
	}
	if _, err := io.Copy(out, src); err != nil {
		out.Close()
		return "", fmt.Errorf("copy dropped file: %w", err)
	}
	return dst, out.Close()
}
