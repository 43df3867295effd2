// Native helpers that use the Wails runtime when the page runs in the desktop window and
// fall back to web APIs in a browser. The only module that touches window.runtime.

interface WailsRuntime {
  ClipboardSetText?: (text: string) => Promise<boolean>;
}

function runtime(): WailsRuntime | undefined {
  return (window as unknown as { runtime?: WailsRuntime }).runtime;
}

/**
 * copyText puts text on the clipboard and reports whether it worked. The Wails webview
 * is not always a secure context, so navigator.clipboard may be missing there.
 */
export async function copyText(text: string): Promise<boolean> {
  try {
    const rt = runtime();
    if (rt?.ClipboardSetText) return await rt.ClipboardSetText(text);
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Fall through to the selection-based copy below.
  }
  const ta = document.createElement('textarea');
  ta.value = text;
  ta.setAttribute('readonly', '');
  ta.style.position = 'fixed';
  ta.style.opacity = '0';
  document.body.appendChild(ta);
  ta.select();
  try {
    return document.execCommand('copy');
  } finally {
    ta.remove();
  }
}
