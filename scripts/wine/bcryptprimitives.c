// A stand-in for Windows' bcryptprimitives.dll, for running Go test binaries under
// Wine 8: since Go 1.22 the runtime draws its random numbers from ProcessPrng, which
// Wine added only in 9.x, and without it a Go program dies at start. This one fills the
// buffer from RtlGenRandom (advapi32's SystemFunction036), as older Go runtimes did.
// scripts/test-windows builds it into the Wine prefix's system32; never shipped.
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
	while (len > 0) {
		ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
		if (!SystemFunction036(data, n)) {
			return FALSE;
		}
		data += n;
		len -= n;
	}
	return TRUE;
}
