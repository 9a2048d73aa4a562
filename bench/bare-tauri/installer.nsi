; The bare Tauri app packaged exactly as AgentDesk's installer packs its programs (same NSIS target,
; compressor and pages), so BENCHMARKS.md compares like with like.
Unicode true
Target amd64-unicode
SetCompressor /SOLID lzma
RequestExecutionLevel user
!include "MUI2.nsh"
Name "BareTauri"
OutFile "${OUTPUT}"
InstallDir "$LOCALAPPDATA\Programs\BareTauri"
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"
Section
  SetOutPath "$INSTDIR"
  File "${SOURCE}"
  WriteUninstaller "$INSTDIR\uninstall.exe"
SectionEnd
Section "Uninstall"
  Delete "$INSTDIR\bare-tauri.exe"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
SectionEnd
