# SPDX-License-Identifier: Apache-2.0
<#
.SYNOPSIS
  Installs ephemeral_port_exporter as a Windows service.
.DESCRIPTION
  Copies the executable to $InstallDir and writes config.default.yml next to
  it (from -Port and -WatchedServices); the exporter copies that file to
  $env:ProgramData\ephemeral_port_exporter\config.yml only when config.yml
  does not exist, so an edited config.yml is kept. Registers the service
  "ephemeral_port_exporter" (delayed automatic start, restart on any
  failure, including a clean exit with an error code), opens TCP port 19152
  in Windows Firewall and starts the service. Run from an elevated
  PowerShell in the directory that holds ephemeral_port_exporter.exe.
  Idempotent: re-running upgrades the binary and keeps config.yml.
.PARAMETER ServiceAccount
  LocalSystem (default), LocalService, or Virtual (the virtual account
  NT SERVICE\ephemeral_port_exporter). The exporter needs no privilege for
  its data (see the README's Permissions); the account gets Modify on the
  ProgramData folder for config.yml and exporter.log.
#>
[CmdletBinding()]
param(
  [string]$InstallDir = "$env:ProgramFiles\ephemeral_port_exporter",
  [int]$Port = 19152,
  [string[]]$WatchedServices = @('WAPCSvc'),
  [switch]$NoFirewall,
  [ValidateSet('LocalSystem', 'LocalService', 'Virtual')]
  [string]$ServiceAccount = 'LocalSystem'
)
$ErrorActionPreference = 'Stop'
$ServiceName = 'ephemeral_port_exporter'
$Source = Join-Path $PSScriptRoot 'ephemeral_port_exporter.exe'
$DataDir = Join-Path $env:ProgramData 'ephemeral_port_exporter'
$Config = Join-Path $DataDir 'config.yml'
$Exe = Join-Path $InstallDir 'ephemeral_port_exporter.exe'
$DefaultConfig = Join-Path $InstallDir 'config.default.yml'
# The SCM's spelling of the account (localservice-account.md: the SCM does
# not take the localized name) and the name icacls resolves (by SID where
# the security subsystem's name is localized).
$Account = @{
  LocalSystem  = 'LocalSystem'
  LocalService = 'NT AUTHORITY\LocalService'
  Virtual      = "NT SERVICE\$ServiceName"
}[$ServiceAccount]
$AccountSid = @{
  LocalSystem  = '*S-1-5-18'
  LocalService = '*S-1-5-19'
  Virtual      = "NT SERVICE\$ServiceName"
}[$ServiceAccount]

# sc.exe reports failure only through its exit code.
function Invoke-Sc {
  & sc.exe @args | Out-Null
  if ($LASTEXITCODE -ne 0) { throw "sc.exe $($args -join ' ') failed with exit code $LASTEXITCODE" }
}

$principal = New-Object Security.Principal.WindowsPrincipal(
  [Security.Principal.WindowsIdentity]::GetCurrent())
if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
  throw 'Run this script from an elevated PowerShell (Run as administrator).'
}
if (-not (Test-Path $Source)) { throw "ephemeral_port_exporter.exe not found next to $PSCommandPath" }

$existing = Get-Service -Name $ServiceName -ErrorAction SilentlyContinue
if ($existing -and $existing.Status -ne 'Stopped') {
  Stop-Service -Name $ServiceName -Force
  $existing.WaitForStatus('Stopped', [TimeSpan]::FromSeconds(30))
}

New-Item -ItemType Directory -Force -Path $InstallDir, $DataDir | Out-Null
# Only SYSTEM and Administrators may write the data folder (and own it): a
# folder a user created first under ProgramData is taken back. The service
# refuses a folder owned by another account (an Application-log event says
# why) and repairs one that lets others write.
& icacls.exe $DataDir /setowner '*S-1-5-32-544' /T | Out-Null
if ($LASTEXITCODE -ne 0) { throw "icacls $DataDir /setowner failed with exit code $LASTEXITCODE" }
& icacls.exe $DataDir /inheritance:r /grant:r '*S-1-5-18:(OI)(CI)F' '*S-1-5-32-544:(OI)(CI)F' | Out-Null
if ($LASTEXITCODE -ne 0) { throw "icacls $DataDir /inheritance:r failed with exit code $LASTEXITCODE" }
Copy-Item -Force $Source $Exe

$services = ($WatchedServices | ForEach-Object { "  - $_" }) -join "`r`n"
@"
# ephemeral_port_exporter default configuration, written by install.ps1.
# The service copies it to $Config when that file does not exist;
# edit config.yml, not this file, then restart the service.
web:
  listen_address: ":$Port"
  telemetry_path: /metrics
collectors:
  processes: true
  tcp_stats: true
limits:
  top_processes: 10
  top_destinations: 10
  top_local_addresses: 20
watched_services:
$services
"@ | Set-Content -Encoding ASCII -Path $DefaultConfig

# Creates config.yml from the default when absent, and validates it before
# registering: a bad config fails here, not in the service.
& $Exe "--config.file=$Config" "--config.default-file=$DefaultConfig" --config.check
if ($LASTEXITCODE -ne 0) { throw "config check failed for $Config" }

$binPath = "`"$Exe`" service `"--config.file=$Config`" `"--config.default-file=$DefaultConfig`""
if ($existing) {
  # Not sc.exe config binPath=: Windows PowerShell 5.1 does not escape the
  # embedded quotes when it builds sc.exe's command line.
  Set-ItemProperty -Path "HKLM:\SYSTEM\CurrentControlSet\Services\$ServiceName" `
    -Name ImagePath -Value $binPath
} else {
  New-Service -Name $ServiceName -BinaryPathName $binPath `
    -DisplayName 'Ephemeral port exporter' -StartupType Automatic `
    -Description 'Prometheus exporter for TCP/UDP ephemeral port usage (port 19152).' | Out-Null
}
# The account's ACL first, so a failure leaves the account unchanged.
if ($ServiceAccount -ne 'LocalSystem') {
  & icacls.exe $DataDir /grant "${AccountSid}:(OI)(CI)M" | Out-Null
  if ($LASTEXITCODE -ne 0) { throw "icacls $DataDir failed with exit code $LASTEXITCODE" }
}
# Win32_Service.Change, not sc.exe obj=: the built-in accounts need an
# explicit empty password (ChangeServiceConfig lpPassword; Win32_Service
# Change: "StartPassword must be an empty string"), which Windows
# PowerShell 5.1 drops from a native command line.
$change = Get-CimInstance Win32_Service -Filter "Name='$ServiceName'" |
  Invoke-CimMethod -MethodName Change -Arguments @{ StartName = $Account; StartPassword = '' }
if ($change.ReturnValue -ne 0) { throw "Win32_Service.Change to $Account failed with $($change.ReturnValue)" }
# Started once the network and WMI are up; restarted on every failure, also
# when it stops with an error code (failureflag: "non-crash" failures such
# as a port already in use): after 10 s, 1 min, then every 10 min (the last
# action repeats for every later failure, SERVICE_FAILURE_ACTIONS). The same
# string as the MSI and the fleet script (installer_contract_test.sh).
Invoke-Sc config $ServiceName start= delayed-auto
Invoke-Sc failure $ServiceName reset= 86400 actions= restart/10000/restart/60000/restart/600000
Invoke-Sc failureflag $ServiceName 1

if (-not $NoFirewall) {
  $rule = 'ephemeral_port_exporter (TCP-In)'
  Get-NetFirewallRule -DisplayName $rule -ErrorAction SilentlyContinue | Remove-NetFirewallRule
  New-NetFirewallRule -DisplayName $rule -Direction Inbound -Protocol TCP `
    -LocalPort $Port -Action Allow -Program $Exe | Out-Null
}

# RUNNING is reported only once the exporter listens; a start that fails
# (port in use, bad config) throws here. The reason is in the log.
try { Start-Service -Name $ServiceName }
catch { throw "service did not start: $($_.Exception.Message); see $DataDir\exporter.log" }
Write-Host "ephemeral_port_exporter is running: http://localhost:$Port/metrics"
# The self-test (as this account; the service writes its own at every start
# to exporter.log): which data paths work on this host. Never fails the
# install.
Write-Host "Self-test:"
& $Exe selftest --config.file="$Config" 2>&1 | ForEach-Object { Write-Host "  $_" }
Write-Host "Self-test exit code $LASTEXITCODE (0: every check passed; 1: a check failed)"
Write-Host "Config: $Config   Log: $DataDir\exporter.log"
