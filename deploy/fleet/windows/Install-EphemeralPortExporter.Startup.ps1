<#
.SYNOPSIS
  GPO computer startup script: installs or upgrades the ephemeral port
  exporter from a file share, idempotently, and scopes its firewall rule.

.DESCRIPTION
  Runs as SYSTEM at boot (Computer Configuration > Policies > Windows
  Settings > Scripts > Startup). Compares the version on the share with the
  installed one and runs the MSI (or, when the share holds no MSI, the
  install.ps1 of deploy/windows/) only when they differ. Never blocks boot:
  every failure is logged and the script exits 0.

  Share layout (read access for "Domain Computers"):
    \\fileserver\deploy$\ephemeral_port_exporter\
      version.txt                         e.g. 0.1.0
      ephemeral_port_exporter-0.1.0.msi   from deploy/windows/
      install.ps1                         from deploy/windows/ (fallback)
      config.yml                          optional, copied to ProgramData

.PARAMETER Share
  The folder above.
.PARAMETER PrometheusAddresses
  Addresses allowed to scrape port 19152 (firewall RemoteAddress).
.PARAMETER ServiceName
  Windows service the installer registers.
#>
param(
  [string]   $Share = '\\fileserver\deploy$\ephemeral_port_exporter',
  [string[]] $PrometheusAddresses = @('10.0.0.10', '10.0.0.11'),
  [string]   $ServiceName = 'ephemeral_port_exporter',
  [int]      $Port = 19152
)

$ErrorActionPreference = 'Stop'
$stateDir = Join-Path $env:ProgramData 'ephemeral_port_exporter'
$log = Join-Path $stateDir 'rollout.log'
New-Item -ItemType Directory -Force -Path $stateDir | Out-Null

function Write-Log([string] $Message) {
  $line = '{0:u} {1}' -f (Get-Date), $Message
  Add-Content -Path $log -Value $line
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
  $wanted = (Get-Content -Path (Join-Path $Share 'version.txt') -TotalCount 1).Trim()
  $installed = Get-InstalledVersion
  if ($installed -eq $wanted) {
    Write-Log "up to date ($installed)"
  } else {
    Write-Log "installing $wanted (installed: $(if ($installed) { $installed } else { 'none' }))"
    $msi = Join-Path $Share "ephemeral_port_exporter-$wanted.msi"
    if (Test-Path $msi) {
      $msiLog = Join-Path $stateDir "msi-$wanted.log"
      $p = Start-Process -FilePath msiexec.exe -Wait -PassThru -ArgumentList @(
        '/i', "`"$msi`"", '/qn', '/norestart', '/l*v', "`"$msiLog`"")
      if ($p.ExitCode -notin 0, 3010) { throw "msiexec exit code $($p.ExitCode), see $msiLog" }
    } else {
      & (Join-Path $Share 'install.ps1')
    }
    Write-Log "installed $wanted"
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

  # Only the Prometheus servers may scrape; replaces any broader rule of ours.
  $rule = 'ephemeral_port_exporter (Prometheus scrape)'
  Get-NetFirewallRule -DisplayName $rule -ErrorAction SilentlyContinue | Remove-NetFirewallRule
  New-NetFirewallRule -DisplayName $rule -Direction Inbound -Action Allow -Protocol TCP `
    -LocalPort $Port -RemoteAddress $PrometheusAddresses -Profile Domain | Out-Null

  Set-Service -Name $ServiceName -StartupType Automatic
  if ((Get-Service -Name $ServiceName).Status -ne 'Running') { Start-Service -Name $ServiceName }
  Write-Log "service $ServiceName running; port $Port open to $($PrometheusAddresses -join ',')"
} catch {
  Write-Log "FAILED: $($_.Exception.Message)"
}
exit 0
