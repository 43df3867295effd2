; llmtap's Windows installer: a per-user install (no administrator prompt) into
; %LOCALAPPDATA%\Programs\llmtap, a Start menu shortcut, an uninstaller and its entry in
; "Apps & features" under HKCU. The data folder (%AppData%\llmtap) is never touched.
;
; Two builds use this one script, so both installers are the same:
;   scripts/package-windows   makensis on Linux with -DARG_WAILS_AMD64_BINARY=…llmtap-desktop.exe,
;                             -DARG_HEADLESS_BINARY=…llmtap.exe and -DOUTFILE=…
;   wails build -nsis         on Windows; Wails runs makensis in this folder with only
;                             -DARG_WAILS_AMD64_BINARY (it also writes wails_tools.nsh, which
;                             this script does not include, and tmp\MicrosoftEdgeWebview2Setup.exe).
; The version is wails.json's info.productVersion unless -DVERSION=… is given; it must be
; MAJOR.MINOR.PATCH (Windows version resources have four numbers).

Unicode true
SetCompressor /SOLID lzma

!define PRODUCT_NAME "llmtap"
!define PRODUCT_EXECUTABLE "llmtap-desktop.exe"
!define PUBLISHER "llmtap"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\llmtap"

!ifndef VERSION
  ; Relative paths are relative to this folder: makensis changes into it.
  !searchparse /file "..\..\..\wails.json" `"productVersion": "` VERSION `"`
!endif
!ifndef ARG_WAILS_AMD64_BINARY
  !error "give the desktop exe: makensis -DARG_WAILS_AMD64_BINARY=path\to\llmtap-desktop.exe project.nsi"
!endif
!ifndef ARG_HEADLESS_BINARY
  ; The release workflow builds the headless binary into build\bin before `wails build`.
  !if /FileExists "..\..\bin\llmtap.exe"
    !define ARG_HEADLESS_BINARY "..\..\bin\llmtap.exe"
  !endif
!endif
!ifndef OUTFILE
  !define OUTFILE "..\..\bin\llmtap-${VERSION}-setup.exe"
!endif
; Microsoft's WebView2 bootstrapper (Wails ships it and writes it here). Without it the
; app itself offers to download WebView2 on first start if the machine lacks it.
!if /FileExists "tmp\MicrosoftEdgeWebview2Setup.exe"
  !define WEBVIEW2_BOOTSTRAPPER "tmp\MicrosoftEdgeWebview2Setup.exe"
!endif

Name "${PRODUCT_NAME}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\${PRODUCT_NAME}"
InstallDirRegKey HKCU "${UNINST_KEY}" "InstallLocation"
RequestExecutionLevel user
ManifestDPIAware true
ShowInstDetails show

VIProductVersion "${VERSION}.0"
VIFileVersion "${VERSION}.0"
VIAddVersionKey "ProductName" "${PRODUCT_NAME}"
VIAddVersionKey "CompanyName" "${PUBLISHER}"
VIAddVersionKey "FileDescription" "${PRODUCT_NAME} installer"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "LegalCopyright" "${PUBLISHER}"

!include "MUI2.nsh"
!include "x64.nsh"
!include "WinVer.nsh"
!include "FileFunc.nsh"

!define MUI_ICON "..\icon.ico"
!define MUI_UNICON "..\icon.ico"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\${PRODUCT_EXECUTABLE}"
!define MUI_FINISHPAGE_RUN_TEXT "Start llmtap"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

Function .onInit
  ${IfNot} ${AtLeastWin10}
    MessageBox MB_OK|MB_ICONSTOP "llmtap needs Windows 10 or later." /SD IDOK
    SetErrorLevel 64
    Abort
  ${EndIf}
  ${IfNot} ${RunningX64}
    MessageBox MB_OK|MB_ICONSTOP "llmtap needs 64-bit Windows." /SD IDOK
    SetErrorLevel 65
    Abort
  ${EndIf}
FunctionEnd

Section "llmtap" SecMain
  SetShellVarContext current
  SetOutPath "$INSTDIR"
  File "/oname=${PRODUCT_EXECUTABLE}" "${ARG_WAILS_AMD64_BINARY}"
  !ifdef ARG_HEADLESS_BINARY
    File "/oname=llmtap.exe" "${ARG_HEADLESS_BINARY}"
  !endif
  !ifdef WEBVIEW2_BOOTSTRAPPER
    Call InstallWebView2
  !endif

  CreateShortcut "$SMPROGRAMS\${PRODUCT_NAME}.lnk" "$INSTDIR\${PRODUCT_EXECUTABLE}"

  WriteUninstaller "$INSTDIR\uninstall.exe"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayName" "${PRODUCT_NAME}"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINST_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\${PRODUCT_EXECUTABLE}"
  WriteRegStr HKCU "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINST_KEY}" "UninstallString" "$\"$INSTDIR\uninstall.exe$\""
  WriteRegStr HKCU "${UNINST_KEY}" "QuietUninstallString" "$\"$INSTDIR\uninstall.exe$\" /S"
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKCU "${UNINST_KEY}" "EstimatedSize" "$0"
SectionEnd

!ifdef WEBVIEW2_BOOTSTRAPPER
; Runs Microsoft's bootstrapper unless a WebView2 runtime is installed for the machine or
; this user (the keys Microsoft documents for detecting it; Windows 11 always has one).
Function InstallWebView2
  SetRegView 64
  ReadRegStr $0 HKLM "SOFTWARE\WOW6432Node\Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}" "pv"
  StrCmp $0 "" 0 done
  ReadRegStr $0 HKCU "Software\Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}" "pv"
  StrCmp $0 "" 0 done
  DetailPrint "Installing the WebView2 runtime"
  InitPluginsDir
  SetOutPath "$PLUGINSDIR"
  File "${WEBVIEW2_BOOTSTRAPPER}"
  ExecWait '"$PLUGINSDIR\MicrosoftEdgeWebview2Setup.exe" /silent /install'
  SetOutPath "$INSTDIR"
  done:
FunctionEnd
!endif

Section "Uninstall"
  SetShellVarContext current
  Delete "$INSTDIR\${PRODUCT_EXECUTABLE}"
  Delete "$INSTDIR\llmtap.exe"
  Delete "$INSTDIR\uninstall.exe"
  ; Only removed if empty: the folder may have been one the user already had.
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\${PRODUCT_NAME}.lnk"
  ; WebView2's cache for the window (Wails keeps it in %AppData%\<exe name>); the
  ; captured conversations live in %AppData%\llmtap and stay.
  RMDir /r "$APPDATA\${PRODUCT_EXECUTABLE}"
  DeleteRegKey HKCU "${UNINST_KEY}"
SectionEnd
