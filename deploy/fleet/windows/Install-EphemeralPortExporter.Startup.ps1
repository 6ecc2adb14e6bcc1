# SPDX-License-Identifier: Apache-2.0
<#
.SYNOPSIS
  GPO computer startup script: installs or upgrades the ephemeral port
  exporter from a file share, idempotently, and scopes its firewall rule.

.DESCRIPTION
  Runs as SYSTEM at boot (Computer Configuration > Policies > Windows
  Settings > Scripts > Startup). Compares the version on the share with the
  installed one and runs the MSI only when they differ, then makes sure the
  service restarts on any failure. Never blocks boot: every failure is
  logged and the script exits 0.

  Share layout (read access for "Domain Computers"): what
  deploy/windows/build_msi.sh writes into its output folder, plus an
  optional config.yml:
    \\fileserver\deploy$\ephemeral_port_exporter\
      version.txt                             e.g. 0.1.0
      ephemeral_port_exporter-0.1.0-x64.msi   the MSI of that version
      config.yml                              optional, copied to ProgramData

.PARAMETER Share
  The folder above.
.PARAMETER PrometheusAddresses
  Addresses allowed to scrape port 19152 (firewall RemoteAddress).
.PARAMETER ServiceName
  Windows service the installer registers.
.PARAMETER ServiceAccount
  Passed to the MSI as SERVICEACCOUNT when set (e.g.
  'NT SERVICE\ephemeral_port_exporter'). When empty the MSI keeps the
  account of the last install (LocalSystem on a first install).
.PARAMETER FirewallProfile
  Profiles of the scoped firewall rule. Domain and Private by default: a
  domain-joined server whose network is classified Private (no domain
  controller reachable at boot, a DMZ leg) still answers Prometheus.
#>
param(
  [string]   $Share = '\\fileserver\deploy$\ephemeral_port_exporter',
  [string[]] $PrometheusAddresses = @('10.0.0.10', '10.0.0.11'),
  [string]   $ServiceName = 'ephemeral_port_exporter',
  [int]      $Port = 19152,
  [string]   $ServiceAccount = '',
  [string[]] $FirewallProfile = @('Domain', 'Private')
)

$ErrorActionPreference = 'Stop'
$stateDir = Join-Path $env:ProgramData 'ephemeral_port_exporter'
$log = Join-Path $stateDir 'rollout.log'
New-Item -ItemType Directory -Force -Path $stateDir | Out-Null
# Only SYSTEM and Administrators may write it (and own it), as install.ps1
# sets it; explicit grants (a service account's Modify) are kept. The
# service refuses a folder owned by another account.
& icacls.exe $stateDir /setowner '*S-1-5-32-544' /T | Out-Null
$ownerExit = $LASTEXITCODE
& icacls.exe $stateDir /inheritance:r /grant:r '*S-1-5-18:(OI)(CI)F' '*S-1-5-32-544:(OI)(CI)F' | Out-Null
$aclExit = $LASTEXITCODE

function Write-Log([string] $Message) {
  $line = '{0:u} {1}' -f (Get-Date), $Message
  Add-Content -Path $log -Value $line
}

# sc.exe reports failure only through its exit code.
function Invoke-Sc {
  & sc.exe @args | Out-Null
  if ($LASTEXITCODE -ne 0) { throw "sc.exe $($args -join ' ') failed with exit code $LASTEXITCODE" }
}

# The exporter's self-test, as the service's account (startup scripts run
# as LocalSystem, the MSI's default), its rows kept in rollout.log; a
# failing check never fails the rollout.
function Invoke-SelfTest {
  try {
    $svc = Get-CimInstance Win32_Service -Filter "Name='$ServiceName'"
    $exe = ($svc.PathName -replace '^"([^"]+)".*$', '$1') -replace '^(\S+\.exe).*$', '$1'
    $out = & $exe selftest --config.file="$(Join-Path $stateDir 'config.yml')" 2>&1
    foreach ($line in $out) { Write-Log "selftest: $line" }
    Write-Log "selftest exit code $LASTEXITCODE (0: every check passed; 1: a check failed, see the rows above)"
  } catch {
    Write-Log "selftest could not run: $($_.Exception.Message)"
  }
}

function Get-InstalledVersion {
  # The MSI registers an uninstall entry; install.ps1 leaves the service.
  $keys = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\*'
  $entry = Get-ItemProperty $keys -ErrorAction SilentlyContinue |
    Where-Object { $_.DisplayName -like 'ephemeral*port*exporter*' } |
    Select-Object -First 1
  if ($entry) { return [string] $entry.DisplayVersion }
  $svc = Get-CimInstance Win32_Service -Filter "Name='$ServiceName'" -ErrorAction SilentlyContinue
  if ($svc) {
    $exe = ($svc.PathName -replace '^"([^"]+)".*$', '$1') -replace '^(\S+\.exe).*$', '$1'
    if (Test-Path $exe) {
      $out = & $exe --version 2>$null   # "ephemeral_port_exporter 0.1.0 (windows)"
      if ($out -match '\s(\d+\.\d+\.\d+)') { return $Matches[1] }
    }
  }
  return $null
}

try {
  if ($ownerExit -ne 0 -or $aclExit -ne 0) {
    Write-Log "icacls $stateDir failed (owner: exit $ownerExit, ACL: exit $aclExit)"
  }
  if ($ServiceAccount -and $ServiceAccount -ne 'LocalSystem') {
    & icacls.exe $stateDir /grant "${ServiceAccount}:(OI)(CI)M" | Out-Null
    if ($LASTEXITCODE -ne 0) { Write-Log "icacls $stateDir /grant $ServiceAccount failed (exit $LASTEXITCODE)" }
  }
  $wanted = (Get-Content -Path (Join-Path $Share 'version.txt') -TotalCount 1).Trim()
  $installed = Get-InstalledVersion
  if ($installed -eq $wanted) {
    Write-Log "up to date ($installed)"
  } else {
    Write-Log "installing $wanted (installed: $(if ($installed) { $installed } else { 'none' }))"
    # The name build_msi.sh gives the MSI (tests/windows/fleet_msi_name_test.sh).
    $msi = Join-Path $Share "ephemeral_port_exporter-$wanted-x64.msi"
    if (-not (Test-Path $msi)) { throw "$msi not found" }
    # MSIs up to 0.1.0 owned config.yml, so upgrading from one removes it.
    # The new service restores config.yml.before-upgrade when config.yml is
    # absent; if a default still took its place, it is put back here.
    $live = Join-Path $stateDir 'config.yml'
    $saved = Join-Path $stateDir 'config.yml.before-upgrade'
    if (Test-Path $live) { Copy-Item -Path $live -Destination $saved -Force }
    $msiLog = Join-Path $stateDir "msi-$wanted.log"
    $msiArgs = @('/i', "`"$msi`"", '/qn', '/norestart', '/l*v', "`"$msiLog`"")
    if ($ServiceAccount) { $msiArgs += "SERVICEACCOUNT=`"$ServiceAccount`"" }
    $p = Start-Process -FilePath msiexec.exe -Wait -PassThru -ArgumentList $msiArgs
    if ($p.ExitCode -notin 0, 3010) { throw "msiexec exit code $($p.ExitCode), see $msiLog" }
    if (Test-Path $saved) {
      if (-not (Test-Path $live) -or
          (Get-FileHash $saved).Hash -ne (Get-FileHash $live).Hash) {
        Copy-Item -Path $saved -Destination $live -Force
        Restart-Service -Name $ServiceName
        Write-Log 'config.yml restored after the upgrade'
      }
      Remove-Item -Path $saved -Force
    }
    Write-Log "installed $wanted"
    Invoke-SelfTest
  }

  $config = Join-Path $Share 'config.yml'
  $target = Join-Path $stateDir 'config.yml'
  if ((Test-Path $config) -and
      (-not (Test-Path $target) -or
       (Get-FileHash $config).Hash -ne (Get-FileHash $target).Hash)) {
    Copy-Item -Path $config -Destination $target -Force
    Restart-Service -Name $ServiceName -ErrorAction SilentlyContinue
    Write-Log 'config.yml updated, service restarted'
  }

  # Only the Prometheus servers may scrape: install.ps1's open rule goes too
  # (allow rules add up, so it would keep the port open to everyone).
  $rule = 'ephemeral_port_exporter (Prometheus scrape)'
  foreach ($name in $rule, 'ephemeral_port_exporter (TCP-In)') {
    Get-NetFirewallRule -DisplayName $name -ErrorAction SilentlyContinue | Remove-NetFirewallRule
  }
  New-NetFirewallRule -DisplayName $rule -Direction Inbound -Action Allow -Protocol TCP `
    -LocalPort $Port -RemoteAddress $PrometheusAddresses -Profile $FirewallProfile | Out-Null

  # Also set by the MSI; repeated so a host installed otherwise gets it.
  Invoke-Sc config $ServiceName start= delayed-auto
  # The same string as the MSI and install.ps1 (installer_contract_test.sh):
  # 10 s, 1 min, then every 10 min (the last action repeats).
  Invoke-Sc failure $ServiceName reset= 86400 actions= restart/10000/restart/60000/restart/600000
  Invoke-Sc failureflag $ServiceName 1
  if ((Get-Service -Name $ServiceName).Status -ne 'Running') { Start-Service -Name $ServiceName }
  Write-Log "service $ServiceName running; port $Port open to $($PrometheusAddresses -join ',')"
} catch {
  Write-Log "FAILED: $($_.Exception.Message)"
}
exit 0
