/* A stand-in for Windows' bcryptprimitives.dll, for Debian's Wine 8 only, which lacks it (Wine 9
 * and every Windows since 10 have it). Rust's standard library takes its random numbers from
 * ProcessPrng in this DLL; here ProcessPrng asks bcrypt.dll's system RNG, as Windows' own does.
 * Built and placed into the test's Wine prefix by tests/packaging/windows.sh; never shipped. */
#include <windows.h>
#include <bcrypt.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, data, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG))) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
