//! The kernel's BTF checker (`kernel/bpf/btf.c`), run before encoding, so
//! that a bad list is an error naming the type and member instead of the
//! kernel's bare `EINVAL`.
//!
//! Where the kernel accepts more than the model can say, or more than a
//! loadable object needs, the check is the stricter one and says so:
//! members that are not bitfields must start on a byte, and every
//! parameter of a `FUNC`'s prototype must be named (the kernel requires
//! this of all functions, not only global ones).

mod composite;

use super::fnv::FnvSet;
use super::list::Btf;
use super::types::{BtfType, Composite, EnumType, FuncLinkage, Kind, TypeId, VarLinkage};
use crate::error::{BtfError, BtfProblem};

/// The longest name the kernel takes is `KSYM_NAME_LEN - 1`: 127 before
/// Linux 6.1 (512 after); the older limit is the one that always loads.
const MAX_NAME_LEN: usize = 127;
/// How deep a chain of typedefs, qualifiers and arrays may go before it is
/// taken as a loop (the kernel's `MAX_RESOLVE_DEPTH` is 32).
const MAX_DEPTH: usize = 32;

/// What an id refers to.
enum Target<'a> {
    Void,
    /// A type of the base list of a split list: not checkable here.
    Base,
    Type(&'a BtfType),
    Missing,
}

/// A type's size, as far as this list can tell.
enum Size {
    Known(u64),
    /// It lives in (or depends on) the base of a split list.
    Unknown,
    /// It has none: void, a forward declaration, a function.
    None,
}

struct Checker<'a> {
    btf: &'a Btf,
    /// The types on a loop of types held by value (see [`loops`]).
    on_loop: FnvSet<TypeId>,
}

/// Checks every type of `btf` against the kernel's rules.
pub(super) fn validate(btf: &Btf) -> Result<(), BtfError> {
    let checker = Checker { btf, on_loop: loops(btf) };
    for (id, ty) in btf.types() {
        checker.check(id, ty)?;
    }
    Ok(())
}

/// The `i`th type `ty` holds by value: members, array elements, the
/// targets of typedefs and qualifiers; not what pointers point to.
fn held(ty: &BtfType, i: usize) -> Option<TypeId> {
    match ty {
        BtfType::Struct(c) | BtfType::Union(c) => c.members.get(i).map(|m| m.ty),
        BtfType::Array { elem: only, .. }
        | BtfType::Typedef { target: only, .. }
        | BtfType::Const { target: only }
        | BtfType::Volatile { target: only }
        | BtfType::Restrict { target: only }
        | BtfType::TypeTag { target: only, .. } => (i == 0).then_some(*only),
        _ => None,
    }
}

/// Every type on a loop of types held by value (a struct holding itself,
/// typedefs naming each other): the kernel's "Loop detected". One
/// depth-first walk over the whole list, so a list of vmlinux's size is
/// checked in linear time; it allocates only its marks and one path,
/// since it runs on every program load with BTF.
fn loops(btf: &Btf) -> FnvSet<TypeId> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    let first = btf.first_id().0;
    let index = |id: TypeId| {
        id.0.checked_sub(first).and_then(|i| usize::try_from(i).ok()).filter(|&i| i < btf.len())
    };
    let mut mark = vec![Mark::New; btf.len()];
    let mut on_loop = FnvSet::default();
    // The path from the root: each type with the index of the next type
    // it holds to visit.
    let mut path: Vec<(TypeId, usize)> = Vec::new();
    for (root, _) in btf.types() {
        let Some(r) = index(root) else { continue };
        if mark[r] != Mark::New {
            continue;
        }
        mark[r] = Mark::OnPath;
        path.push((root, 0));
        while let Some((id, todo)) = path.last_mut() {
            let next = btf.get(*id).and_then(|ty| held(ty, *todo));
            *todo += 1;
            let Some(next) = next else {
                if let Some(i) = index(*id) {
                    mark[i] = Mark::Done;
                }
                path.pop();
                continue;
            };
            let Some(n) = index(next) else { continue };
            match mark[n] {
                Mark::New => {
                    mark[n] = Mark::OnPath;
                    path.push((next, 0));
                }
                Mark::OnPath => {
                    let start = path.iter().position(|(id, _)| *id == next).unwrap_or(0);
                    on_loop.extend(path[start..].iter().map(|(id, _)| *id));
                }
                Mark::Done => {}
            }
        }
    }
    on_loop
}

/// An error about `ty` (id `id`), at `component` if there is one.
fn invalid(id: TypeId, ty: &BtfType, component: Option<String>, problem: BtfProblem) -> BtfError {
    BtfError::Invalid {
        id: id.0,
        kind: ty.kind().name(),
        name: ty.name().map(str::to_owned),
        component,
        problem,
    }
}

fn is_identifier(name: &str) -> bool {
    let mut bytes = name.bytes();
    let first_ok = bytes.next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_');
    first_ok && name.len() <= MAX_NAME_LEN && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn is_section_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name.bytes().all(|b| (0x20..0x7f).contains(&b))
}

fn identifier(name: &str) -> Result<(), BtfProblem> {
    if is_identifier(name) {
        Ok(())
    } else {
        Err(BtfProblem::NotIdentifier { name: name.to_owned() })
    }
}

fn optional_identifier(name: Option<&str>) -> Result<(), BtfProblem> {
    name.map_or(Ok(()), identifier)
}

fn no_nul(name: &str) -> Result<(), BtfProblem> {
    if name.contains('\0') { Err(BtfProblem::NulInName { name: name.to_owned() }) } else { Ok(()) }
}

fn tag_name(name: &str) -> Result<(), BtfProblem> {
    if name.is_empty() { Err(BtfProblem::Unnamed) } else { no_nul(name) }
}

fn vlen(count: usize) -> Result<(), BtfProblem> {
    if count > 0xffff { Err(BtfProblem::TooMany { count }) } else { Ok(()) }
}

fn member_label(index: usize, name: Option<&str>) -> String {
    match name {
        Some(n) => format!("member '{n}'"),
        None => format!("member #{index} (anon)"),
    }
}

fn param_label(index: usize, name: Option<&str>) -> String {
    match name {
        Some(n) => format!("parameter #{index} '{n}'"),
        None => format!("parameter #{index} (unnamed)"),
    }
}

impl<'a> Checker<'a> {
    fn target(&self, id: TypeId) -> Target<'a> {
        if id == TypeId::VOID {
            Target::Void
        } else if id < self.btf.first_id() {
            Target::Base
        } else {
            self.btf.get(id).map_or(Target::Missing, Target::Type)
        }
    }

    /// `target` must exist; `void` only when `void_ok`.
    fn reference(&self, target: TypeId, void_ok: bool) -> Result<Target<'a>, BtfProblem> {
        match self.target(target) {
            Target::Missing => Err(BtfProblem::MissingType { target: target.0 }),
            Target::Void if !void_ok => Err(BtfProblem::Void),
            t => Ok(t),
        }
    }

    /// `target` with typedefs, qualifiers and type tags stripped.
    fn resolve(&self, mut target: TypeId) -> Result<Target<'a>, BtfProblem> {
        for _ in 0..MAX_DEPTH {
            match self.target(target) {
                Target::Type(
                    BtfType::Typedef { target: next, .. }
                    | BtfType::Const { target: next }
                    | BtfType::Volatile { target: next }
                    | BtfType::Restrict { target: next }
                    | BtfType::TypeTag { target: next, .. },
                ) => target = *next,
                t => return Ok(t),
            }
        }
        Err(BtfProblem::Loop)
    }

    /// The size of `id` in bytes.
    fn size(&self, id: TypeId, depth: usize) -> Result<Size, BtfProblem> {
        if depth > MAX_DEPTH {
            return Err(BtfProblem::Loop);
        }
        let ty = match self.target(id) {
            Target::Void => return Ok(Size::None),
            Target::Base => return Ok(Size::Unknown),
            Target::Missing => return Err(BtfProblem::MissingType { target: id.0 }),
            Target::Type(ty) => ty,
        };
        Ok(match ty {
            BtfType::Int { size, .. }
            | BtfType::Float { size, .. }
            | BtfType::Datasec { size, .. }
            | BtfType::Struct(Composite { size, .. })
            | BtfType::Union(Composite { size, .. })
            | BtfType::Enum(EnumType { size, .. })
            | BtfType::Enum64(EnumType { size, .. }) => Size::Known(u64::from(*size)),
            BtfType::Ptr { .. } => Size::Known(8),
            BtfType::Array { elem, len, .. } => match self.size(*elem, depth + 1)? {
                Size::Known(n) => Size::Known(n.saturating_mul(u64::from(*len))),
                other => other,
            },
            BtfType::Typedef { target, .. }
            | BtfType::Const { target }
            | BtfType::Volatile { target }
            | BtfType::Restrict { target }
            | BtfType::TypeTag { target, .. } => self.size(*target, depth + 1)?,
            BtfType::Fwd { .. }
            | BtfType::Func { .. }
            | BtfType::FuncProto { .. }
            | BtfType::Var { .. }
            | BtfType::DeclTag { .. } => Size::None,
        })
    }

    /// The size of `target`, which must have one.
    fn sized(&self, target: TypeId) -> Result<Option<u64>, BtfProblem> {
        self.reference(target, false)?;
        match self.size(target, 0)? {
            Size::Known(n) => Ok(Some(n)),
            Size::Unknown => Ok(None),
            Size::None => Err(BtfProblem::Unsized { target: target.0 }),
        }
    }

    /// For a typedef or qualifier `id`, the first `TYPE_TAG` its chain
    /// reaches after a non-tag modifier (`btf_check_type_tags`).
    fn tag_after_modifier(&self, id: TypeId) -> Option<TypeId> {
        let mut next = id;
        let mut in_tags = true;
        for _ in 0..MAX_DEPTH {
            match self.target(next) {
                Target::Type(BtfType::TypeTag { target, .. }) => {
                    if !in_tags {
                        return Some(next);
                    }
                    next = *target;
                }
                Target::Type(
                    BtfType::Typedef { target, .. }
                    | BtfType::Const { target }
                    | BtfType::Volatile { target }
                    | BtfType::Restrict { target },
                ) => {
                    in_tags = false;
                    next = *target;
                }
                _ => return None,
            }
        }
        None
    }

    fn check(&self, id: TypeId, ty: &BtfType) -> Result<(), BtfError> {
        let at = |problem| invalid(id, ty, None, problem);
        if self.on_loop.contains(&id) {
            return Err(at(BtfProblem::Loop));
        }
        match ty {
            BtfType::Int { name, size, offset, bits, .. } => {
                no_nul(name).map_err(at)?;
                if ![1, 2, 4, 8, 16].contains(size) {
                    return Err(at(BtfProblem::IntSize { size: *size }));
                }
                if *bits > 128 || u32::from(*offset) + u32::from(*bits) > size * 8 {
                    return Err(at(BtfProblem::IntBits {
                        offset: *offset,
                        bits: *bits,
                        size: *size,
                    }));
                }
            }
            BtfType::Ptr { target } => {
                self.reference(*target, true).map_err(at)?;
            }
            BtfType::Const { target }
            | BtfType::Volatile { target }
            | BtfType::Restrict { target } => {
                self.reference(*target, true).map_err(at)?;
                self.size(id, 0).map_err(at)?;
                if let Some(tag) = self.tag_after_modifier(id) {
                    return Err(at(BtfProblem::TagAfterModifier { tag: tag.0 }));
                }
            }
            BtfType::Typedef { name, target } => {
                identifier(name).map_err(at)?;
                self.reference(*target, true).map_err(at)?;
                self.size(id, 0).map_err(at)?;
                if let Some(tag) = self.tag_after_modifier(id) {
                    return Err(at(BtfProblem::TagAfterModifier { tag: tag.0 }));
                }
            }
            BtfType::TypeTag { name, target } => {
                tag_name(name).map_err(at)?;
                self.reference(*target, true).map_err(at)?;
                self.size(id, 0).map_err(at)?;
                if let Some(tag) = self.tag_after_modifier(id) {
                    return Err(at(BtfProblem::TagAfterModifier { tag: tag.0 }));
                }
            }
            BtfType::Array { elem, index, .. } => {
                self.sized(*elem).map_err(at)?;
                self.reference(*index, false).map_err(at)?;
                match self.resolve(*index).map_err(at)? {
                    Target::Type(BtfType::Int { .. }) | Target::Base => {}
                    Target::Type(other) => {
                        return Err(at(BtfProblem::WrongKind {
                            target: index.0,
                            found: other.kind().name(),
                            expected: "an INT index type",
                        }));
                    }
                    Target::Void | Target::Missing => {
                        return Err(at(BtfProblem::MissingType { target: index.0 }));
                    }
                }
                self.size(id, 0).map_err(at)?;
            }
            BtfType::Struct(c) | BtfType::Union(c) => {
                self.composite(id, ty, c, matches!(ty, BtfType::Struct(_)))?;
            }
            BtfType::Enum(e) | BtfType::Enum64(e) => self.enumeration(id, ty, e)?,
            BtfType::Fwd { name, .. } => identifier(name).map_err(at)?,
            BtfType::Func { name, proto, linkage } => {
                identifier(name).map_err(at)?;
                if *linkage == FuncLinkage::Extern {
                    return Err(at(BtfProblem::ExternLinkage));
                }
                self.reference(*proto, false).map_err(at)?;
                match self.target(*proto) {
                    Target::Type(BtfType::FuncProto { params, .. }) => {
                        for (i, p) in params.iter().enumerate() {
                            if p.name.is_none() && p.ty != TypeId::VOID {
                                let label = param_label(i, None);
                                return Err(invalid(id, ty, Some(label), BtfProblem::UnnamedParam));
                            }
                        }
                    }
                    Target::Type(other) => {
                        return Err(at(BtfProblem::WrongKind {
                            target: proto.0,
                            found: other.kind().name(),
                            expected: "a FUNC_PROTO",
                        }));
                    }
                    Target::Base | Target::Void | Target::Missing => {}
                }
            }
            BtfType::FuncProto { ret, params } => {
                vlen(params.len()).map_err(at)?;
                if *ret != TypeId::VOID {
                    self.sized(*ret).map_err(at)?;
                }
                for (i, p) in params.iter().enumerate() {
                    let here =
                        |problem| invalid(id, ty, Some(param_label(i, p.name.as_deref())), problem);
                    if p.ty == TypeId::VOID {
                        if i + 1 != params.len() || p.name.is_some() {
                            return Err(here(BtfProblem::MisplacedVararg));
                        }
                        continue;
                    }
                    optional_identifier(p.name.as_deref()).map_err(here)?;
                    self.sized(p.ty).map_err(here)?;
                }
            }
            BtfType::Var { name, ty: var_ty, linkage } => {
                identifier(name).map_err(at)?;
                if *linkage == VarLinkage::GlobalExtern {
                    return Err(at(BtfProblem::ExternLinkage));
                }
                self.sized(*var_ty).map_err(at)?;
            }
            BtfType::Datasec { name, size, vars } => {
                if !is_section_name(name) {
                    return Err(at(BtfProblem::NotSectionName { name: name.clone() }));
                }
                vlen(vars.len()).map_err(at)?;
                if vars.is_empty() || *size == 0 {
                    return Err(at(BtfProblem::EmptySection));
                }
                let mut previous_end = 0u64;
                for (i, v) in vars.iter().enumerate() {
                    let var_name = match self.target(v.ty) {
                        Target::Type(t) => t.name().unwrap_or("(anon)").to_owned(),
                        _ => "?".to_owned(),
                    };
                    let label = format!("variable #{i} {} '{var_name}'", v.ty);
                    let here = |problem| invalid(id, ty, Some(label.clone()), problem);
                    self.reference(v.ty, false).map_err(here)?;
                    let var_type = match self.target(v.ty) {
                        Target::Type(BtfType::Var { ty: t, .. }) => Some(*t),
                        Target::Type(other) => {
                            return Err(here(BtfProblem::WrongKind {
                                target: v.ty.0,
                                found: other.kind().name(),
                                expected: "a VAR",
                            }));
                        }
                        _ => None,
                    };
                    if u64::from(v.offset) < previous_end {
                        return Err(here(BtfProblem::VarOverlap {
                            offset: v.offset,
                            previous_end,
                        }));
                    }
                    let end = u64::from(v.offset) + u64::from(v.size);
                    if end > u64::from(*size) {
                        return Err(here(BtfProblem::VarPastEnd {
                            offset: v.offset,
                            size: v.size,
                            section_size: *size,
                        }));
                    }
                    let type_size = match var_type.map(|t| self.size(t, 0)).transpose() {
                        Ok(Some(Size::Known(n))) => n,
                        _ => 0,
                    };
                    if v.size == 0 || u64::from(v.size) < type_size {
                        return Err(here(BtfProblem::VarSize { size: v.size, type_size }));
                    }
                    previous_end = end;
                }
            }
            BtfType::Float { name, size } => {
                no_nul(name).map_err(at)?;
                if ![2, 4, 8, 12, 16].contains(size) {
                    return Err(at(BtfProblem::FloatSize { size: *size }));
                }
            }
            BtfType::DeclTag { name, target, component_idx } => {
                tag_name(name).map_err(at)?;
                self.reference(*target, false).map_err(at)?;
                let count = match self.target(*target) {
                    Target::Type(BtfType::Struct(c) | BtfType::Union(c)) => Some(c.members.len()),
                    Target::Type(BtfType::Func { proto, .. }) => match self.target(*proto) {
                        Target::Type(BtfType::FuncProto { params, .. }) => Some(params.len()),
                        _ => None,
                    },
                    Target::Type(BtfType::Var { .. } | BtfType::Typedef { .. }) => Some(0),
                    Target::Type(other) => {
                        return Err(at(BtfProblem::WrongKind {
                            target: target.0,
                            found: other.kind().name(),
                            expected: "a STRUCT, UNION, VAR, FUNC or TYPEDEF",
                        }));
                    }
                    Target::Base | Target::Void | Target::Missing => None,
                };
                let fits = *component_idx == -1
                    || count.is_none_or(|n| usize::try_from(*component_idx).is_ok_and(|i| i < n));
                if !fits {
                    return Err(at(BtfProblem::TagComponent {
                        index: *component_idx,
                        count: count.unwrap_or(0),
                    }));
                }
            }
        }
        Ok(())
    }
}

/// The size in bytes of `id` in `btf`, when it has one this list knows.
pub(super) fn size_of(btf: &Btf, id: TypeId) -> Option<u64> {
    match (Checker { btf, on_loop: FnvSet::default() }).size(id, 0) {
        Ok(Size::Known(n)) => Some(n),
        _ => None,
    }
}
