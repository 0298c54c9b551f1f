//! The command-line surface: help, version, exit codes.

use crate::util::run;

envlock_test!(help_lists_every_command, |dir| {
    let mut command = dir.envlock();
    command.arg("--help");
    let (code, stdout, _) = run(command);
    assert_eq!(code, 0);
    insta::assert_snapshot!(stdout);
});

envlock_test!(version_names_the_package_version, |dir| {
    let mut command = dir.envlock();
    command.arg("--version");
    let (code, stdout, _) = run(command);
    assert_eq!(code, 0);
    assert_eq!(
        stdout.trim(),
        format!("envlock {}", env!("CARGO_PKG_VERSION"))
    );
});

envlock_test!(usage_errors_exit_with_two, |dir| {
    let mut command = dir.envlock();
    command.arg("no-such-command");
    let (code, _, stderr) = run(command);
    assert_eq!(code, 2, "{stderr}");
    insta::assert_snapshot!(stderr);
});

envlock_test!(global_options_are_accepted_after_the_command, |dir| {
    let mut command = dir.envlock();
    command.args([
        "lock",
        "--offline",
        "--index-url",
        "http://127.0.0.1:9/simple/",
        "-v",
        "--help",
    ]);
    let (code, stdout, stderr) = run(command);
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!(stdout);
});

envlock_test!(offline_and_refresh_conflict, |dir| {
    let mut command = dir.envlock();
    command.args(["lock", "--offline", "--refresh"]);
    let (code, _, stderr) = run(command);
    assert_eq!(code, 2, "{stderr}");
    insta::assert_snapshot!(stderr);
});
