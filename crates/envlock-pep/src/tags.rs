//! PEP 425 compatibility tags of a target, ordered best first, with fast
//! lookup of a tag's priority.

use std::collections::HashMap;

use crate::platform::Platform;
use crate::python::PythonVersion;
use crate::tag::Tag;
use crate::wheel::WheelFilename;

/// Marks a (interpreter, abi, platform) cell that is not in the tag list.
const INCOMPATIBLE: u32 = u32::MAX;

/// The ordered tag list of a target (CPython version + platform), best first,
/// with O(1) priority lookup.
///
/// The order is what Python's `packaging` yields for that interpreter and
/// platform: `cpython_tags` then `compatible_tags`.
///
/// 1. `cpXY-cpXY-<plat>` (`cpXYm` before 3.8) for every compatible platform,
/// 2. `cpXY-abi3-<plat>`, 3. `cpXY-none-<plat>`,
/// 4. `cpXW-abi3-<plat>` for every older minor W down to 3.2,
/// 5. `pyXY-none-<plat>`, `py3-none-<plat>`, then `pyXW-none-<plat>` down to `py30`,
/// 6. `cpXY-none-any`, 7. `pyXY-none-any`, `py3-none-any`, `pyXW-none-any` down to `py30`.
///
/// Compatible platforms come from [`Platform::compatible_tags`].
/// A tag's priority is its position in this list: lower is better.
///
/// Only the lookup tables are kept, not the list: a lock of many targets
/// holds one `Tags` per target for its whole run, and the list (hundreds of
/// tags of three strings each) was most of their memory. [`Tags::to_vec`]
/// writes it out again from the tables.
#[derive(Debug, Clone)]
pub struct Tags {
    python: PythonVersion,
    platform: Platform,
    /// Interpreter tag → row index into `priorities`.
    interpreters: HashMap<String, usize>,
    /// ABI tag → index.
    abis: HashMap<String, usize>,
    /// Platform tag → index.
    platforms: HashMap<String, usize>,
    /// Dense `[interpreter][abi][platform]` table of priorities; every
    /// component of the list appears in the maps, so lookups are three hash
    /// probes and one array read.
    priorities: Vec<u32>,
}

impl Tags {
    /// Computes the tag list for CPython `python` on `platform`.
    pub fn new(python: PythonVersion, platform: &Platform) -> Tags {
        let platforms = platform.compatible_tags();
        let minor = python.minor();
        let interpreter = python.interpreter_tag();
        // CPython before 3.8 was built with pymalloc, flagged `m` in its ABI.
        let abi = if minor < 8 {
            format!("{interpreter}m")
        } else {
            interpreter.clone()
        };
        let mut tags = Vec::with_capacity(platforms.len() * (usize::from(minor) * 2 + 6) + 24);
        let push_all = |tags: &mut Vec<Tag>, interpreter: &str, abi: &str| {
            for platform in &platforms {
                tags.push(Tag::new(interpreter, abi, platform));
            }
        };
        push_all(&mut tags, &interpreter, &abi);
        push_all(&mut tags, &interpreter, "abi3");
        push_all(&mut tags, &interpreter, "none");
        // abi3 was introduced in 3.2: wheels built for any older 3.x limited
        // API still load.
        for older in (2..minor).rev() {
            push_all(&mut tags, &format!("cp3{older}"), "abi3");
        }
        let python_range: Vec<String> = std::iter::once(format!("py3{minor}"))
            .chain(std::iter::once("py3".to_owned()))
            .chain((0..minor).rev().map(|older| format!("py3{older}")))
            .collect();
        for version in &python_range {
            push_all(&mut tags, version, "none");
        }
        tags.push(Tag::new(&interpreter, "none", "any"));
        for version in &python_range {
            tags.push(Tag::new(version, "none", "any"));
        }
        Tags::from_ordered(python, platform.clone(), tags)
    }

    /// Builds the lookup tables for an ordered list; a duplicate keeps its
    /// first (best) priority.
    fn from_ordered(python: PythonVersion, platform: Platform, tags: Vec<Tag>) -> Tags {
        fn index_of(map: &mut HashMap<String, usize>, key: &str) -> usize {
            // Look up before inserting: most parts repeat, and `entry` would
            // allocate an owned key every time.
            if let Some(index) = map.get(key) {
                return *index;
            }
            let next = map.len();
            map.insert(key.to_owned(), next);
            next
        }
        let mut interpreters = HashMap::new();
        let mut abis = HashMap::new();
        let mut platforms = HashMap::new();
        let cells: Vec<(usize, usize, usize)> = tags
            .iter()
            .map(|tag| {
                (
                    index_of(&mut interpreters, tag.interpreter()),
                    index_of(&mut abis, tag.abi()),
                    index_of(&mut platforms, tag.platform()),
                )
            })
            .collect();
        let mut priorities = vec![INCOMPATIBLE; interpreters.len() * abis.len() * platforms.len()];
        for (priority, (interpreter, abi, platform)) in cells.into_iter().enumerate() {
            let cell = (interpreter * abis.len() + abi) * platforms.len() + platform;
            if priorities[cell] == INCOMPATIBLE {
                priorities[cell] = u32::try_from(priority).unwrap_or(INCOMPATIBLE - 1);
            }
        }
        Tags {
            python,
            platform,
            interpreters,
            abis,
            platforms,
            priorities,
        }
    }

    /// The Python version the list was computed for.
    pub fn python(&self) -> PythonVersion {
        self.python
    }

    /// The platform the list was computed for.
    pub fn platform(&self) -> &Platform {
        &self.platform
    }

    /// The tags, best first: the cells of the table in priority order.
    pub fn to_vec(&self) -> Vec<Tag> {
        let (interpreters, abis, platforms) = (
            names_by_index(&self.interpreters),
            names_by_index(&self.abis),
            names_by_index(&self.platforms),
        );
        let mut cells: Vec<(u32, usize)> = self
            .priorities
            .iter()
            .enumerate()
            .filter(|(_, priority)| **priority != INCOMPATIBLE)
            .map(|(index, priority)| (*priority, index))
            .collect();
        cells.sort_unstable();
        cells
            .into_iter()
            .map(|(_, index)| {
                let platform = index % platforms.len();
                let row = index / platforms.len();
                Tag::new(
                    interpreters[row / abis.len()],
                    abis[row % abis.len()],
                    platforms[platform],
                )
            })
            .collect()
    }

    /// The number of tags.
    pub fn len(&self) -> usize {
        self.priorities
            .iter()
            .filter(|priority| **priority != INCOMPATIBLE)
            .count()
    }

    /// Whether the list is empty (never, for a valid target).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `platform` is one of the platform tags this target accepts
    /// (`any` included).
    pub fn accepts_platform(&self, platform: &str) -> bool {
        lookup(&self.platforms, platform).is_some()
    }

    /// The priority of one tag triple (its position in the list, lower is
    /// better), or `None` when the target does not accept it. Parts are
    /// compared ASCII case-insensitively.
    pub fn priority(&self, interpreter: &str, abi: &str, platform: &str) -> Option<usize> {
        let interpreter = lookup(&self.interpreters, interpreter)?;
        let abi = lookup(&self.abis, abi)?;
        let platform = lookup(&self.platforms, platform)?;
        self.cell(interpreter, abi, platform)
    }

    /// The best priority among all tags of a (possibly compressed) wheel tag
    /// set, or `None` when the wheel does not fit the target.
    pub fn wheel_priority(&self, wheel: &WheelFilename) -> Option<usize> {
        self.best_priority(wheel.python_tags(), wheel.abi_tags(), wheel.platform_tags())
    }

    /// The best priority over the cartesian product of the given tag parts.
    pub(crate) fn best_priority(
        &self,
        interpreters: &[String],
        abis: &[String],
        platforms: &[String],
    ) -> Option<usize> {
        let mut best: Option<usize> = None;
        for interpreter in interpreters
            .iter()
            .filter_map(|i| lookup(&self.interpreters, i))
        {
            for abi in abis.iter().filter_map(|a| lookup(&self.abis, a)) {
                for platform in platforms.iter().filter_map(|p| lookup(&self.platforms, p)) {
                    if let Some(priority) = self.cell(interpreter, abi, platform) {
                        best = Some(best.map_or(priority, |best| best.min(priority)));
                    }
                }
            }
        }
        best
    }

    fn cell(&self, interpreter: usize, abi: usize, platform: usize) -> Option<usize> {
        let index = (interpreter * self.abis.len() + abi) * self.platforms.len() + platform;
        match self.priorities.get(index) {
            Some(&priority) if priority != INCOMPATIBLE => usize::try_from(priority).ok(),
            _ => None,
        }
    }
}

/// The keys of a part's map, each at its index.
fn names_by_index(map: &HashMap<String, usize>) -> Vec<&str> {
    let mut names = vec![""; map.len()];
    for (name, &index) in map {
        if let Some(slot) = names.get_mut(index) {
            *slot = name.as_str();
        }
    }
    names
}

/// Looks a tag part up, retrying in lowercase only when the part has
/// uppercase letters (tags in the wild are nearly always lowercase already).
fn lookup(map: &HashMap<String, usize>, key: &str) -> Option<usize> {
    match map.get(key) {
        Some(index) => Some(*index),
        None if key.bytes().any(|byte| byte.is_ascii_uppercase()) => {
            map.get(&key.to_ascii_lowercase()).copied()
        }
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(python: &str, platform: &str) -> Tags {
        Tags::new(
            PythonVersion::parse(python).unwrap(),
            &Platform::parse(platform).unwrap(),
        )
    }

    #[test]
    fn windows_list_shape() {
        let tags = tags("3.10", "win_amd64");
        let rendered: Vec<String> = tags.to_vec().iter().map(ToString::to_string).collect();
        assert_eq!(rendered[0], "cp310-cp310-win_amd64");
        assert_eq!(rendered[1], "cp310-abi3-win_amd64");
        assert_eq!(rendered[2], "cp310-none-win_amd64");
        assert_eq!(rendered[3], "cp39-abi3-win_amd64");
        assert_eq!(rendered[10], "cp32-abi3-win_amd64");
        assert_eq!(rendered[11], "py310-none-win_amd64");
        assert_eq!(rendered[12], "py3-none-win_amd64");
        assert_eq!(rendered[13], "py39-none-win_amd64");
        assert_eq!(rendered[22], "py30-none-win_amd64");
        assert_eq!(rendered[23], "cp310-none-any");
        assert_eq!(rendered[24], "py310-none-any");
        assert_eq!(rendered[25], "py3-none-any");
        assert_eq!(rendered.last().map(String::as_str), Some("py30-none-any"));
    }

    #[test]
    fn old_pythons_use_the_pymalloc_abi() {
        let tags = tags("3.7", "manylinux2014_x86_64");
        assert_eq!(
            tags.to_vec()[0].to_string(),
            "cp37-cp37m-manylinux_2_17_x86_64"
        );
        assert_eq!(tags.priority("cp37", "cp37", "manylinux2014_x86_64"), None);
        assert_eq!(
            tags.priority("cp37", "cp37m", "manylinux_2_17_x86_64"),
            Some(0)
        );
    }

    #[test]
    fn priority_matches_position_and_is_case_insensitive() {
        let tags = tags("3.12", "manylinux_2_28_x86_64");
        let list = tags.to_vec();
        assert_eq!(list.len(), tags.len());
        for (position, tag) in list.iter().enumerate() {
            assert_eq!(
                tags.priority(tag.interpreter(), tag.abi(), tag.platform()),
                Some(position),
                "{tag}"
            );
        }
        assert_eq!(
            tags.priority("CP312", "ABI3", "MANYLINUX2014_X86_64"),
            tags.priority("cp312", "abi3", "manylinux2014_x86_64")
        );
        assert_eq!(tags.priority("cp312", "cp312", "win_amd64"), None);
        assert_eq!(
            tags.priority("cp313", "cp313", "manylinux_2_28_x86_64"),
            None
        );
        // Tags that exist only in other combinations are still rejected.
        assert_eq!(tags.priority("py3", "abi3", "any"), None);
        assert!(tags.accepts_platform("manylinux1_x86_64"));
        assert!(!tags.accepts_platform("manylinux_2_29_x86_64"));
    }
}
