<#
.SYNOPSIS
  Installs ephemeral_port_exporter as a Windows service.
.DESCRIPTION
  Copies the executable to $InstallDir, writes a default config to
  $env:ProgramData\ephemeral_port_exporter\config.yml (kept if present),
  registers the service "ephemeral_port_exporter" (LocalSystem, automatic
  start, restart on failure), opens TCP port 19152 in Windows Firewall and
  starts the service. Run from an elevated PowerShell in the directory that
  holds ephemeral_port_exporter.exe. Idempotent: re-running upgrades the
  binary and keeps the config.
#>
[CmdletBinding()]
param(
  [string]$InstallDir = "$env:ProgramFiles\ephemeral_port_exporter",
  [int]$Port = 19152,
  [string[]]$WatchedServices = @('WAPCSvc'),
  [switch]$NoFirewall
)
$ErrorActionPreference = 'Stop'
$ServiceName = 'ephemeral_port_exporter'
$Source = Join-Path $PSScriptRoot 'ephemeral_port_exporter.exe'
$DataDir = Join-Path $env:ProgramData 'ephemeral_port_exporter'
$Config = Join-Path $DataDir 'config.yml'
$Exe = Join-Path $InstallDir 'ephemeral_port_exporter.exe'

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
Copy-Item -Force $Source $Exe

if (-not (Test-Path $Config)) {
  $services = ($WatchedServices | ForEach-Object { "  - $_" }) -join "`r`n"
  @"
# ephemeral_port_exporter configuration (see README: Configuration file).
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
"@ | Set-Content -Encoding ASCII -Path $Config
}

# Validate before registering: a bad config fails here, not in the service.
& $Exe "--config.file=$Config" --config.check
if ($LASTEXITCODE -ne 0) { throw "config check failed for $Config" }

$binPath = "`"$Exe`" service `"--config.file=$Config`""
if ($existing) {
  & sc.exe config $ServiceName binPath= $binPath start= auto | Out-Null
} else {
  New-Service -Name $ServiceName -BinaryPathName $binPath `
    -DisplayName 'Ephemeral port exporter' -StartupType Automatic `
    -Description 'Prometheus exporter for TCP/UDP ephemeral port usage (port 19152).' | Out-Null
}
# Restart after 10 s on the first three failures within a day.
& sc.exe failure $ServiceName reset= 86400 actions= restart/10000/restart/10000/restart/10000 | Out-Null

if (-not $NoFirewall) {
  $rule = 'ephemeral_port_exporter (TCP-In)'
  Get-NetFirewallRule -DisplayName $rule -ErrorAction SilentlyContinue | Remove-NetFirewallRule
  New-NetFirewallRule -DisplayName $rule -Direction Inbound -Protocol TCP `
    -LocalPort $Port -Action Allow -Program $Exe | Out-Null
}

Start-Service -Name $ServiceName
(Get-Service -Name $ServiceName).WaitForStatus('Running', [TimeSpan]::FromSeconds(30))
Write-Host "ephemeral_port_exporter is running: http://localhost:$Port/metrics"
Write-Host "Config: $Config   Log: $DataDir\exporter.log"
