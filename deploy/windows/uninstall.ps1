<#
.SYNOPSIS
  Removes the ephemeral_port_exporter service, its firewall rule and files.
.DESCRIPTION
  Stops and deletes the service, removes the firewall rule and the install
  directory. The config and log under $env:ProgramData\ephemeral_port_exporter
  are kept unless -RemoveData is given. Run from an elevated PowerShell.
#>
[CmdletBinding()]
param(
  [string]$InstallDir = "$env:ProgramFiles\ephemeral_port_exporter",
  [switch]$RemoveData
)
$ErrorActionPreference = 'Stop'
$ServiceName = 'ephemeral_port_exporter'

$service = Get-Service -Name $ServiceName -ErrorAction SilentlyContinue
if ($service) {
  if ($service.Status -ne 'Stopped') {
    Stop-Service -Name $ServiceName -Force
    $service.WaitForStatus('Stopped', [TimeSpan]::FromSeconds(30))
  }
  & sc.exe delete $ServiceName | Out-Null
  if ($LASTEXITCODE -ne 0) { throw "sc.exe delete $ServiceName failed ($LASTEXITCODE)" }
}
Get-NetFirewallRule -DisplayName 'ephemeral_port_exporter (TCP-In)' -ErrorAction SilentlyContinue |
  Remove-NetFirewallRule
if (Test-Path $InstallDir) { Remove-Item -Recurse -Force $InstallDir }
if ($RemoveData) {
  $data = Join-Path $env:ProgramData 'ephemeral_port_exporter'
  if (Test-Path $data) { Remove-Item -Recurse -Force $data }
}
Write-Host 'ephemeral_port_exporter removed.'
