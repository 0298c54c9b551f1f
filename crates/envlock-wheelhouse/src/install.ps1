
# ---- what follows is the same in every wheelhouse ----
# Windows PowerShell 5.1 or PowerShell 7. It never touches the network: pip
# gets --no-index and this folder only.

$ErrorActionPreference = 'Stop'
$Here = Split-Path -Parent $MyInvocation.MyCommand.Path
$Step = 'reading the arguments'

function Fail([string]$Message, [string]$Hint = '') {
    [Console]::Error.WriteLine("install.ps1: $Step failed: $Message")
    if ($Hint) { [Console]::Error.WriteLine("hint: $Hint") }
    exit 1
}
function Say([string]$Message) { Write-Host "==> $Message" }

# pip must see only this folder, whatever the machine's settings say.
Get-ChildItem Env: | Where-Object { $_.Name -like 'PIP_*' } | ForEach-Object { Remove-Item "Env:$($_.Name)" }
Remove-Item Env:PYTHONHOME, Env:PYTHONPATH -ErrorAction SilentlyContinue
$env:PIP_CONFIG_FILE = 'NUL'
$env:PIP_NO_INPUT = '1'
$env:PIP_DISABLE_PIP_VERSION_CHECK = '1'

# The python.exe of version $Version on this machine, or $null.
function Find-Python([string]$Version) {
    $candidates = @()
    if (Get-Command py -ErrorAction SilentlyContinue) {
        $found = & py "-$Version" -c 'import sys; print(sys.executable)' 2>$null
        if ($LASTEXITCODE -eq 0 -and $found) { return $found.Trim() }
    }
    foreach ($name in @('python', 'python3')) {
        $command = Get-Command $name -ErrorAction SilentlyContinue
        if (-not $command) { continue }
        $seen = & $command.Source -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>$null
        if ($LASTEXITCODE -eq 0 -and $seen.Trim() -eq $Version) { return $command.Source }
    }
    return $null
}

$Step = 'choosing the target'
if ($Target) {
    if (-not $EnvlockTargets.Contains($Target)) {
        Fail "this wheelhouse has no Windows target '$Target'" ("its Windows targets: " + ($EnvlockTargets.Keys -join ', '))
    }
} elseif ($EnvlockTargets.Count -eq 1) {
    $Target = @($EnvlockTargets.Keys)[0]
} else {
    foreach ($name in $EnvlockTargets.Keys) {
        if ($EnvlockTargets[$name].Interpreter -or (Find-Python $EnvlockTargets[$name].Python)) { $Target = $name; break }
    }
    if (-not $Target) { Fail 'no target of this wheelhouse has its Python on this machine' 'pick one with -Target NAME' }
}
$T = $EnvlockTargets[$Target]
Say "target $Target (Python $($T.Python) on $($T.Platform))"

$Step = 'checking the files against SHA256SUMS'
$sums = Join-Path $Here 'SHA256SUMS'
if (-not (Test-Path $sums)) { Fail 'SHA256SUMS is missing: this wheelhouse is unfinished or damaged' }
$bad = @()
foreach ($line in Get-Content $sums) {
    if (-not $line) { continue }
    $digest, $name = $line -split '  ', 2
    $path = Join-Path $Here ($name -replace '/', '\')
    if (-not (Test-Path -LiteralPath $path)) { $bad += "${name}: missing"; continue }
    $actual = (Get-FileHash -Algorithm SHA256 -LiteralPath $path).Hash.ToLower()
    if ($actual -ne $digest) { $bad += "${name}: FAILED" }
}
if ($bad.Count -gt 0) {
    $bad | ForEach-Object { [Console]::Error.WriteLine($_) }
    Fail 'the files above are missing or changed' 'carry the wheelhouse again; do not install from it as it is'
}
Say 'every file matches SHA256SUMS'

$Prefix = [System.IO.Path]::GetFullPath((Join-Path (Get-Location) $Prefix))
if ($T.Interpreter) {
    # The carried CPython (an install_only archive: python\python.exe, …),
    # unpacked once under the prefix with the tar.exe of Windows 10 and later.
    $Step = "unpacking the carried Python $($T.Python)"
    $Python = Join-Path $Prefix 'python\python.exe'
    if (-not (Test-Path $Python)) {
        $staging = Join-Path $Prefix '.envlock-python'
        if (Test-Path $staging) { Remove-Item -Recurse -Force $staging }
        New-Item -ItemType Directory -Force -Path $staging | Out-Null
        & tar -xzf (Join-Path $Here $T.Interpreter) -C $staging
        if ($LASTEXITCODE -ne 0 -or -not (Test-Path (Join-Path $staging 'python\python.exe'))) {
            Remove-Item -Recurse -Force $staging -ErrorAction SilentlyContinue
            Fail "cannot unpack $($T.Interpreter)" 'unpack it by hand into the prefix (it holds python\python.exe)'
        }
        Move-Item (Join-Path $staging 'python') (Join-Path $Prefix 'python')
        Remove-Item -Recurse -Force $staging
    }
    Say "using the carried Python: $Python"
} else {
    $Step = "finding Python $($T.Python)"
    $Python = Find-Python $T.Python
    if (-not $Python) { Fail "this machine has no Python $($T.Python); this carry needs $($T.Python)" "install Python $($T.Python) here, or rebuild the wheelhouse with a carried interpreter" }
    Say "using $Python"
}

$Step = "creating the virtual environment in $Prefix"
$VenvPython = Join-Path $Prefix 'Scripts\python.exe'
if (-not (Test-Path $VenvPython)) {
    & $Python -m venv $Prefix
    if ($LASTEXITCODE -ne 0) { Fail "$Python -m venv did not work" }
}

$Step = 'installing the locked packages'
& $VenvPython -m pip install --no-index --find-links $Here --require-hashes -r (Join-Path $Here $T.Requirements)
if ($LASTEXITCODE -ne 0) { Fail "pip did not install $($T.Requirements)" 'the lines above say which package' }

$Step = 'checking the environment'
& $VenvPython -m pip check
if ($LASTEXITCODE -ne 0) { Fail 'pip check found broken requirements' }

Say "done: the environment is in $Prefix"
Write-Host "`nActivate it with:`n`n    $Prefix\Scripts\Activate.ps1`n"
