# SPDX-License-Identifier: Apache-2.0
<#
.SYNOPSIS
  Removes the ephemeral_port_exporter service, its firewall rule and files.
.DESCRIPTION
  When the MSI installed the exporter, runs msiexec /x for it (so Windows
  Installer forgets the product); otherwise stops and deletes the service
  and removes the install directory. Removes the firewall rules of
  install.ps1 and of the fleet script. The config and log under
  $env:ProgramData\ephemeral_port_exporter are kept unless -RemoveData is
  given. Run from an elevated PowerShell.
#>
[CmdletBinding()]
param(
  [string]$InstallDir = "$env:ProgramFiles\ephemeral_port_exporter",
  [switch]$RemoveData
)
$ErrorActionPreference = 'Stop'
$ServiceName = 'ephemeral_port_exporter'

$keys = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\*'
$product = Get-ItemProperty $keys -ErrorAction SilentlyContinue |
  Where-Object { $_.DisplayName -eq 'ephemeral_port_exporter' -and $_.PSChildName -like '{*}' } |
  Select-Object -First 1
if ($product) {
  $p = Start-Process -FilePath msiexec.exe -Wait -PassThru -ArgumentList @(
    '/x', $product.PSChildName, '/qn', '/norestart')
  if ($p.ExitCode -notin 0, 3010) { throw "msiexec /x $($product.PSChildName) failed ($($p.ExitCode))" }
}
$service = Get-Service -Name $ServiceName -ErrorAction SilentlyContinue
if ($service) {
  if ($service.Status -ne 'Stopped') {
    Stop-Service -Name $ServiceName -Force
    $service.WaitForStatus('Stopped', [TimeSpan]::FromSeconds(30))
  }
  & sc.exe delete $ServiceName | Out-Null
  if ($LASTEXITCODE -ne 0) { throw "sc.exe delete $ServiceName failed ($LASTEXITCODE)" }
}
foreach ($rule in 'ephemeral_port_exporter (TCP-In)', 'ephemeral_port_exporter (Prometheus scrape)') {
  Get-NetFirewallRule -DisplayName $rule -ErrorAction SilentlyContinue | Remove-NetFirewallRule
}
if (Test-Path $InstallDir) { Remove-Item -Recurse -Force $InstallDir }
if ($RemoveData) {
  $data = Join-Path $env:ProgramData 'ephemeral_port_exporter'
  if (Test-Path $data) { Remove-Item -Recurse -Force $data }
}
Write-Host 'ephemeral_port_exporter removed.'
