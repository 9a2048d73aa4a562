; AgentDesk's Windows installer (NSIS 3, built on Linux by scripts/package.sh windows).
;
; Per-user: installs into %LOCALAPPDATA%\Programs\AgentDesk without administrator rights, with
; Start-menu and desktop shortcuts and an entry in "Apps & features". For IT:
;   AgentDesk_<version>_x64-setup.exe /S [/NODESKTOP] [/D=C:\path]     silent install
;   uninstall.exe /S [/DELETEDATA]                                      silent removal
; The in-app updater runs it with /S /UPDATE [/R /ARGS …]: shortcuts kept, the app restarted with /R.
; A provisioning file (agentdesk-provisioning.toml) beside the installer is installed with the app
; (docs/DEPLOYMENT.md). The installer checks for the Microsoft Edge WebView2 Runtime the window needs
; and says what to install when it is missing; a release built with -DWEBVIEW2_BOOTSTRAPPER=<file>
; carries Microsoft's bootstrapper and runs it instead.
;
; makensis -DVERSION=x.y.z -DSOURCE_DIR=<exes> -DOUTPUT=<setup.exe> -DICON=<icon.ico>
;          -DTOAST_ICON=<128x128.png> agentdesk.nsi

Unicode true
Target amd64-unicode
ManifestDPIAware true
SetCompressor /SOLID lzma
RequestExecutionLevel user

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "FileFunc.nsh"

!define PRODUCT "AgentDesk"
!define IDENTIFIER "dev.agentdesk.workbench"
!define PUBLISHER "AgentDesk"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${PRODUCT}"
!define PROVISIONING "agentdesk-provisioning.toml"
; The app's AppUserModelID for its toasts (src-tauri's notifications use the same identifier).
!define TOAST_KEY "Software\Classes\AppUserModelId\${IDENTIFIER}"
; The WebView2 Runtime's client id (Microsoft's documented detection key).
!define WEBVIEW2_CLIENT "{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}"
!define WEBVIEW2_URL "https://go.microsoft.com/fwlink/p/?LinkId=2124703"

Name "${PRODUCT}"
OutFile "${OUTPUT}"
InstallDir "$LOCALAPPDATA\Programs\${PRODUCT}"
InstallDirRegKey HKCU "Software\${PRODUCT}" "InstallDir"
BrandingText "${PRODUCT} ${VERSION}"
VIProductVersion "${VERSION}.0"
VIAddVersionKey /LANG=1033 "ProductName" "${PRODUCT}"
VIAddVersionKey /LANG=1033 "FileDescription" "${PRODUCT} setup"
VIAddVersionKey /LANG=1033 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=1033 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=1033 "LegalCopyright" "MIT OR Apache-2.0"

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\agentdesk.exe"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "English"
!insertmacro MUI_LANGUAGE "SimpChinese"

LangString WebView2Missing ${LANG_ENGLISH} "AgentDesk's window needs the Microsoft Edge WebView2 Runtime, which is not installed on this PC.$\r$\n$\r$\nInstall the Evergreen WebView2 Runtime from ${WEBVIEW2_URL} (or ask IT to deploy it), then start AgentDesk. Windows 11 and recent Windows 10 already have it."
LangString WebView2Missing ${LANG_SIMPCHINESE} "AgentDesk 的窗口需要 Microsoft Edge WebView2 运行时，这台电脑尚未安装。$\r$\n$\r$\n请从 ${WEBVIEW2_URL} 安装 Evergreen WebView2 运行时（或请 IT 部门统一部署），然后再启动 AgentDesk。Windows 11 和较新的 Windows 10 已自带。"
LangString WebView2Installing ${LANG_ENGLISH} "Installing the Microsoft Edge WebView2 Runtime…"
LangString WebView2Installing ${LANG_SIMPCHINESE} "正在安装 Microsoft Edge WebView2 运行时…"
LangString DeleteDataQuestion ${LANG_ENGLISH} "Also delete your AgentDesk data on this PC (local message cache, settings, accounts list)?$\r$\n$\r$\nChoose No to keep it for a later installation. Keys in Windows Credential Manager are removed with the accounts: agentdesk-cli account remove."
LangString DeleteDataQuestion ${LANG_SIMPCHINESE} "是否同时删除这台电脑上的 AgentDesk 数据（本地消息缓存、设置、账号列表）？$\r$\n$\r$\n选择“否”可保留，以便日后重新安装。Windows 凭据管理器中的密钥随账号一起删除：agentdesk-cli account remove。"
LangString ShortcutName ${LANG_ENGLISH} "AgentDesk"
LangString ShortcutName ${LANG_SIMPCHINESE} "AgentDesk 坐席工作台"

; Written by a silent install for IT's deployment tools to read (a silent installer has no screen).
Var InstallLog

Function .onInit
  ; Per-user, so the installed entry never needs elevation; a machine-wide 64-bit view of the registry.
  SetRegView 64
  SetShellVarContext current
FunctionEnd

Function WriteInstallLog
  Exch $0
  FileOpen $InstallLog "$INSTDIR\install.log" a
  FileSeek $InstallLog 0 END
  FileWriteUTF16LE $InstallLog "$0$\r$\n"
  FileClose $InstallLog
  Pop $0
FunctionEnd

; Sets $0 to the installed WebView2 Runtime's version, or "" when none is installed (machine-wide
; or for this user; "0.0.0.0" means a removed one).
Function FindWebView2
  ReadRegStr $0 HKLM "SOFTWARE\WOW6432Node\Microsoft\EdgeUpdate\Clients\${WEBVIEW2_CLIENT}" "pv"
  ${If} $0 == ""
  ${OrIf} $0 == "0.0.0.0"
    ReadRegStr $0 HKLM "SOFTWARE\Microsoft\EdgeUpdate\Clients\${WEBVIEW2_CLIENT}" "pv"
  ${EndIf}
  ${If} $0 == ""
  ${OrIf} $0 == "0.0.0.0"
    ReadRegStr $0 HKCU "Software\Microsoft\EdgeUpdate\Clients\${WEBVIEW2_CLIENT}" "pv"
  ${EndIf}
  ${If} $0 == "0.0.0.0"
    StrCpy $0 ""
  ${EndIf}
FunctionEnd

; An update is started by the running app, which quits right after (Tauri's updater): wait up to
; ten seconds for its program file to be released rather than fail to replace it.
Function WaitForAppToExit
  StrCpy $1 0
  ${DoWhile} ${FileExists} "$INSTDIR\agentdesk.exe"
    ClearErrors
    FileOpen $0 "$INSTDIR\agentdesk.exe" a
    ${IfNot} ${Errors}
      FileClose $0
      ${Break}
    ${EndIf}
    IntOp $1 $1 + 1
    ${If} $1 > 50
      ${Break}
    ${EndIf}
    Sleep 200
  ${Loop}
FunctionEnd

Section "AgentDesk" SectionMain
  SetOutPath "$INSTDIR"
  Call WaitForAppToExit
  Delete "$INSTDIR\install.log"
  File "${SOURCE_DIR}\agentdesk.exe"
  ; WebView2's loader: the MinGW build of the app links it as a DLL (MSVC builds link it in).
  File "${SOURCE_DIR}\WebView2Loader.dll"
  File "${SOURCE_DIR}\agentdesk-cli.exe"
  File "${SOURCE_DIR}\agentdesk-sandbox.exe"
  SetOutPath "$INSTDIR\models"
  File "${SOURCE_DIR}\models\e5-small-zh-en-q4.bin"
  SetOutPath "$INSTDIR"
  File "/oname=agentdesk.png" "${TOAST_ICON}"
  Push "AgentDesk ${VERSION} installed in $INSTDIR"
  Call WriteInstallLog

  ; IT's provisioning file, when it sits beside the installer: accounts (no secrets), connectors,
  ; settings, updates on or off. The app reads it from its own folder.
  ${If} ${FileExists} "$EXEDIR\${PROVISIONING}"
    CopyFiles /SILENT "$EXEDIR\${PROVISIONING}" "$INSTDIR\${PROVISIONING}"
    Push "provisioning: $EXEDIR\${PROVISIONING} installed"
    Call WriteInstallLog
  ${EndIf}

  WriteUninstaller "$INSTDIR\uninstall.exe"
  CreateShortCut "$SMPROGRAMS\$(ShortcutName).lnk" "$INSTDIR\agentdesk.exe"
  ; An update (the in-app updater passes /UPDATE) leaves the shortcuts as the agent arranged them.
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/UPDATE" $R1
  ${If} ${Errors}
    ClearErrors
    ${GetOptions} $R0 "/NODESKTOP" $R1
    ${If} ${Errors}
      CreateShortCut "$DESKTOP\$(ShortcutName).lnk" "$INSTDIR\agentdesk.exe"
    ${EndIf}
  ${EndIf}

  ; Toasts from an unpackaged app are shown under the identity registered here (Microsoft's
  ; documented way for desktop apps without an MSIX package): AgentDesk's name and icon.
  WriteRegStr HKCU "${TOAST_KEY}" "DisplayName" "${PRODUCT}"
  WriteRegStr HKCU "${TOAST_KEY}" "IconUri" "$INSTDIR\agentdesk.png"
  WriteRegStr HKCU "Software\${PRODUCT}" "InstallDir" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${PRODUCT}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$\"$INSTDIR\agentdesk.exe$\""
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" "$\"$INSTDIR\uninstall.exe$\""
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" "$\"$INSTDIR\uninstall.exe$\" /S"
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "EstimatedSize" "$0"

  Call FindWebView2
  ${If} $0 != ""
    Push "WebView2 Runtime $0 found"
    Call WriteInstallLog
  ${Else}
!ifdef WEBVIEW2_BOOTSTRAPPER
    ; A release built with network access carries Microsoft's Evergreen bootstrapper (about 2 MB),
    ; which downloads and installs the runtime for this user.
    DetailPrint "$(WebView2Installing)"
    File "/oname=$PLUGINSDIR\MicrosoftEdgeWebview2Setup.exe" "${WEBVIEW2_BOOTSTRAPPER}"
    ExecWait '"$PLUGINSDIR\MicrosoftEdgeWebview2Setup.exe" /silent /install' $1
    Push "WebView2 Runtime bootstrapper exited with $1"
    Call WriteInstallLog
    Call FindWebView2
!endif
    ${If} $0 == ""
      Push "WebView2 Runtime missing: AgentDesk's window needs it. Install the Evergreen WebView2 Runtime (${WEBVIEW2_URL}) or deploy it with your software distribution tool."
      Call WriteInstallLog
      MessageBox MB_OK|MB_ICONEXCLAMATION "$(WebView2Missing)" /SD IDOK
    ${EndIf}
  ${EndIf}

  ; After an in-app update (/R), AgentDesk starts again as the agent left it.
  ClearErrors
  ${GetOptions} $R0 "/R" $R1
  ${IfNot} ${Errors}
    Exec '"$INSTDIR\agentdesk.exe"'
  ${EndIf}
SectionEnd

Function un.onInit
  SetRegView 64
  SetShellVarContext current
FunctionEnd

Section "Uninstall"
  Delete "$INSTDIR\agentdesk.exe"
  Delete "$INSTDIR\WebView2Loader.dll"
  Delete "$INSTDIR\agentdesk-cli.exe"
  Delete "$INSTDIR\agentdesk-sandbox.exe"
  Delete "$INSTDIR\models\e5-small-zh-en-q4.bin"
  RMDir "$INSTDIR\models"
  Delete "$INSTDIR\agentdesk.png"
  Delete "$INSTDIR\${PROVISIONING}"
  Delete "$INSTDIR\install.log"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\$(ShortcutName).lnk"
  Delete "$DESKTOP\$(ShortcutName).lnk"
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
  DeleteRegKey HKCU "${TOAST_KEY}"
  DeleteRegKey HKCU "Software\${PRODUCT}"

  ; The agent's data stays unless asked: /DELETEDATA when silent, a question (default No) otherwise.
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/DELETEDATA" $R1
  ${If} ${Errors}
    MessageBox MB_YESNO|MB_ICONQUESTION|MB_DEFBUTTON2 "$(DeleteDataQuestion)" /SD IDNO IDNO keep_data
  ${EndIf}
  RMDir /r "$APPDATA\${IDENTIFIER}"
  RMDir /r "$LOCALAPPDATA\${IDENTIFIER}"
  keep_data:
SectionEnd
