//! `$name` expansion as Postfix's `mac_expand()` does it, with origin tracking.
use std::cell::RefCell;

use super::main_cf::MainCf;
use super::master_cf::Service;

/// Where a piece of expanded text was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Src {
    /// The text given to [`Expander::expand`].
    Text,
    /// The value of main.cf parameter `params()[i]`.
    Main(usize),
    /// The value of override `overrides[i]` of the expander's service.
    Override(usize),
    /// A value from the caller's defaults: the index of the parameter's name in
    /// [`Expansion::default_names`] (`usize::MAX` until the expander records it).
    Default(usize),
}

/// A run of output bytes copied from one place of one source value.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    pub out: usize,
    pub len: usize,
    pub src: Src,
    pub src_off: usize,
    /// For text that came through `$name`: the outermost name and the offset of its `$`
    /// in the top-level text.
    pub ctx: Option<(usize, usize)>,
}

/// The result of an expansion.
#[derive(Debug, Clone, Default)]
pub struct Expansion {
    /// The expanded text.
    pub value: String,
    /// Every parameter name looked up, in order of first use.
    pub used: Vec<String>,
    /// Names that were looked up but are not defined anywhere (they expand to empty).
    pub undefined: Vec<String>,
    /// Names whose expansion would recurse into themselves (expanded to empty).
    pub cycles: Vec<String>,
    /// Syntax problems (`unbalanced {`, bad relational operator ...).
    pub errors: Vec<String>,
    pub(crate) runs: Vec<Run>,
    pub(crate) ctx_names: Vec<String>,
    /// Names whose built-in default value some output came from (see [`Src::Default`]).
    pub(crate) default_names: Vec<String>,
}

impl Expansion {
    /// Name of the outermost `$name` through which a run's text came.
    pub(crate) fn ctx_name(&self, run: &Run) -> Option<&str> {
        run.ctx
            .and_then(|(id, _)| self.ctx_names.get(id))
            .map(|s| s.as_str())
    }

    /// The parameter whose built-in default a run's text was copied from.
    pub(crate) fn default_name(&self, run: &Run) -> Option<&str> {
        match run.src {
            Src::Default(i) => self.default_names.get(i).map(String::as_str),
            _ => None,
        }
    }

    pub(crate) fn run_at(&self, off: usize) -> Option<&Run> {
        let i = self.runs.partition_point(|r| r.out + r.len <= off);
        self.runs
            .get(i)
            .filter(|r| r.out <= off && off < r.out + r.len)
    }
}

/// Expands text in the context of a main.cf, the caller's defaults (`postconf -d`) and
/// optionally one master.cf service's `-o` overrides (which take precedence).
pub struct Expander<'a> {
    main: &'a MainCf,
    defaults: &'a dyn Fn(&str) -> Option<String>,
    service: Option<&'a Service>,
}

/// Maximum output, against `$a` = `$b$b`, `$b` = `$c$c` ... blowups.
const MAX_OUTPUT: usize = 64 << 20;
/// Postfix's own limit on macro nesting.
const MAX_DEPTH: usize = 100;
/// Maximum `$name` lookups in one expansion (`$a` = `$b$b` chains with empty values).
const MAX_LOOKUPS: usize = 200_000;

struct State {
    out: String,
    runs: Vec<Run>,
    used: Vec<String>,
    undefined: Vec<String>,
    cycles: Vec<String>,
    errors: Vec<String>,
    stack: Vec<String>,
    ctx_names: Vec<String>,
    default_names: Vec<String>,
    lookups: usize,
}

fn is_name(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Length of the balanced group starting at `t[0]` (`open`), or None.
fn balanced(t: &[u8], open: u8, close: u8) -> Option<usize> {
    let mut level = 0usize;
    for (i, &c) in t.iter().enumerate() {
        if c == open {
            level += 1;
        } else if c == close {
            level -= 1;
            if level == 0 {
                return Some(i + 1);
            }
        }
    }
    None
}

fn skip_ws(t: &[u8], mut i: usize) -> usize {
    while i < t.len() && super::lines::is_space(t[i]) {
        i += 1;
    }
    i
}

impl<'a> Expander<'a> {
    /// An expander over `main` with `defaults` for names main.cf does not set.
    pub fn new(main: &'a MainCf, defaults: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Expander {
            main,
            defaults,
            service: None,
        }
    }

    /// Also apply the `-o` overrides of `service` (they win over main.cf), and give
    /// `$service_name` the service's name as the daemon does.
    pub fn with_service(mut self, service: &'a Service) -> Self {
        self.service = Some(service);
        self
    }

    /// Expand arbitrary text.
    pub fn expand(&self, text: &str) -> Expansion {
        self.expand_src(text, Src::Text)
    }

    /// The fully expanded value of parameter `name` (empty when undefined).
    /// Names may hold characters `$name` cannot (`policyd-spf_time_limit`).
    pub fn param(&self, name: &str) -> Expansion {
        let st = Self::state();
        self.name(&st, name, 0, None, None);
        Self::finish(st)
    }

    fn state() -> RefCell<State> {
        RefCell::new(State {
            out: String::new(),
            runs: Vec::new(),
            used: Vec::new(),
            undefined: Vec::new(),
            cycles: Vec::new(),
            errors: Vec::new(),
            stack: Vec::new(),
            ctx_names: Vec::new(),
            default_names: Vec::new(),
            lookups: 0,
        })
    }

    fn finish(st: RefCell<State>) -> Expansion {
        let st = st.into_inner();
        let mut runs = st.runs;
        runs.retain(|r| r.len > 0);
        Expansion {
            value: st.out,
            used: st.used,
            undefined: st.undefined,
            cycles: st.cycles,
            errors: st.errors,
            runs,
            ctx_names: st.ctx_names,
            default_names: st.default_names,
        }
    }

    fn lookup(&self, name: &str) -> Option<(String, Src)> {
        if let Some(s) = self.service {
            if let Some(i) = s.overrides.iter().rposition(|o| o.name == name) {
                return Some((s.overrides[i].value.to_string(), Src::Override(i)));
            }
            // every daemon knows its own service name
            if name == "service_name" {
                return Some((s.name.to_string(), Src::Default(usize::MAX)));
            }
        }
        if let Some(i) = self.main.effective_index(name) {
            return Some((self.main.params()[i].value.clone(), Src::Main(i)));
        }
        (self.defaults)(name).map(|v| (v, Src::Default(usize::MAX)))
    }

    pub(crate) fn expand_src(&self, text: &str, src: Src) -> Expansion {
        let st = Self::state();
        self.walk(&st, text, src, 0, None, true);
        Self::finish(st)
    }

    fn emit(st: &RefCell<State>, s: &str, src: Src, src_off: usize, ctx: Option<(usize, usize)>) {
        let mut st = st.borrow_mut();
        if s.is_empty() || st.out.len() + s.len() > MAX_OUTPUT {
            return;
        }
        let out = st.out.len();
        st.out.push_str(s);
        if let Some(r) = st.runs.last_mut() {
            if r.src == src && r.ctx == ctx && r.out + r.len == out && r.src_off + r.len == src_off
            {
                r.len += s.len();
                return;
            }
        }
        st.runs.push(Run {
            out,
            len: s.len(),
            src,
            src_off,
            ctx,
        });
    }

    /// Expand `text` (found at `base` in the value of `src`) into the state.
    /// `top` is true for the caller's own text (positions there are where things are used).
    fn walk(
        &self,
        st: &RefCell<State>,
        text: &str,
        src: Src,
        base: usize,
        ctx: Option<(usize, usize)>,
        top: bool,
    ) {
        let t = text.as_bytes();
        let mut i = 0;
        let mut lit = 0;
        while i < t.len() {
            if t[i] != b'$' {
                i += 1;
                continue;
            }
            Self::emit(st, &text[lit..i], src, base + lit, ctx);
            let dollar = i;
            let next = t.get(i + 1).copied();
            match next {
                Some(b'$') => {
                    Self::emit(st, "$", src, base + i, ctx);
                    i += 2;
                }
                Some(open @ (b'{' | b'(')) => {
                    let close = if open == b'{' { b'}' } else { b')' };
                    match balanced(&t[i + 1..], open, close) {
                        None => {
                            st.borrow_mut().errors.push(format!(
                                "unbalanced {} in \"{}\"",
                                open as char,
                                super::lines::clip(text, 60)
                            ));
                            Self::emit(st, "$", src, base + i, ctx);
                            i += 1;
                        }
                        Some(n) => {
                            let inner_s = i + 2;
                            let inner_e = i + n;
                            let c = if top { Some(base + dollar) } else { None };
                            self.macro_body(st, text, inner_s, inner_e, src, base, ctx, c);
                            i = i + 1 + n;
                        }
                    }
                }
                Some(c) if is_name(c) => {
                    let mut e = i + 1;
                    while e < t.len() && is_name(t[e]) {
                        e += 1;
                    }
                    let c = if top { Some(base + dollar) } else { None };
                    self.name(st, &text[i + 1..e], base + dollar, ctx, c);
                    i = e;
                }
                _ => {
                    Self::emit(st, "$", src, base + i, ctx);
                    i += 1;
                }
            }
            lit = i;
        }
        Self::emit(st, &text[lit..], src, base + lit, ctx);
    }

    /// Expand one `$name`. `dollar` is the offset of its `$` in the top-level text, when
    /// this is a top-level use.
    fn name(
        &self,
        st: &RefCell<State>,
        name: &str,
        _at: usize,
        ctx: Option<(usize, usize)>,
        dollar: Option<usize>,
    ) {
        {
            let mut s = st.borrow_mut();
            s.lookups += 1;
            if s.lookups > MAX_LOOKUPS || s.out.len() >= MAX_OUTPUT {
                if s.lookups == MAX_LOOKUPS + 1
                    || s.out.len() >= MAX_OUTPUT
                        && s.errors
                            .last()
                            .is_none_or(|e| !e.starts_with("expansion too large"))
                {
                    s.errors.push(format!("expansion too large at \"${name}\""));
                }
                return;
            }
            if !s.used.iter().any(|u| u == name) {
                s.used.push(name.to_string());
            }
            if s.stack.iter().any(|u| u == name) {
                if !s.cycles.iter().any(|u| u == name) {
                    s.cycles.push(name.to_string());
                }
                return;
            }
            if s.stack.len() >= MAX_DEPTH {
                s.errors
                    .push(format!("unreasonable macro call nesting: \"{name}\""));
                return;
            }
        }
        let Some((value, vsrc)) = self.lookup(name) else {
            let mut s = st.borrow_mut();
            if !s.undefined.iter().any(|u| u == name) {
                s.undefined.push(name.to_string());
            }
            return;
        };
        let ctx = match dollar {
            Some(d) => {
                let mut s = st.borrow_mut();
                s.ctx_names.push(name.to_string());
                Some((s.ctx_names.len() - 1, d))
            }
            None => ctx,
        };
        let vsrc = match vsrc {
            Src::Default(_) => {
                let mut s = st.borrow_mut();
                let i = match s.default_names.iter().position(|n| n == name) {
                    Some(i) => i,
                    None => {
                        s.default_names.push(name.to_string());
                        s.default_names.len() - 1
                    }
                };
                Src::Default(i)
            }
            other => other,
        };
        st.borrow_mut().stack.push(name.to_string());
        self.walk(st, &value, vsrc, 0, ctx, false);
        st.borrow_mut().stack.pop();
    }

    fn is_nonempty(&self, st: &RefCell<State>, name: &str) -> bool {
        {
            let mut s = st.borrow_mut();
            if !s.used.iter().any(|u| u == name) {
                s.used.push(name.to_string());
            }
        }
        match self.lookup(name) {
            Some((v, _)) => !v.is_empty(),
            None => {
                let mut s = st.borrow_mut();
                if !s.undefined.iter().any(|u| u == name) {
                    s.undefined.push(name.to_string());
                }
                false
            }
        }
    }

    /// Expand a piece to a plain string (for relational operands).
    fn to_string(&self, st: &RefCell<State>, text: &str) -> String {
        let mark = st.borrow().out.len();
        let runs = st.borrow().runs.len();
        self.walk(st, text, Src::Text, 0, None, false);
        let mut s = st.borrow_mut();
        let v = s.out[mark..].to_string();
        s.out.truncate(mark);
        s.runs.truncate(runs);
        v
    }

    /// The inside of `${...}` / `$(...)`: `text[s..e]`.
    #[allow(clippy::too_many_arguments)]
    fn macro_body(
        &self,
        st: &RefCell<State>,
        text: &str,
        s: usize,
        e: usize,
        src: Src,
        base: usize,
        ctx: Option<(usize, usize)>,
        dollar: Option<usize>,
    ) {
        let t = text.as_bytes();
        let body = &t[s..e];
        // `{a} == {b} ? {x} : {y}`
        if body.first() == Some(&b'{') {
            self.relational(st, text, s, e, src, base, ctx, dollar.is_some());
            return;
        }
        let mut n = s;
        while n < e && is_name(t[n]) {
            n += 1;
        }
        if n == s {
            st.borrow_mut().errors.push(format!(
                "bad macro name in \"{}\"",
                super::lines::clip(text, 60)
            ));
            return;
        }
        let name = &text[s..n];
        if n == e {
            self.name(st, name, base + s, ctx, dollar);
            return;
        }
        let op = t[n];
        if op != b'?' && op != b':' {
            st.borrow_mut().errors.push(format!(
                "bad macro name \"{}\"",
                super::lines::clip(&text[s..e], 60)
            ));
            return;
        }
        let nonempty = self.is_nonempty(st, name);
        let rest = n + 1;
        let r = skip_ws(&t[..e], rest);
        // `{a}` and `{a}:{b}` forms
        let (a, b) = if t.get(r) == Some(&b'{') {
            match balanced(&t[r..e], b'{', b'}') {
                Some(la) => {
                    let a = (r + 1, r + la - 1);
                    let after = skip_ws(&t[..e], r + la);
                    if after < e && t[after] == b':' && op == b'?' {
                        let r2 = skip_ws(&t[..e], after + 1);
                        match balanced(&t[r2..e], b'{', b'}') {
                            Some(lb) if r2 < e && t[r2] == b'{' => (a, Some((r2 + 1, r2 + lb - 1))),
                            _ => ((rest, e), None),
                        }
                    } else if after == e {
                        (a, None)
                    } else {
                        ((rest, e), None)
                    }
                }
                None => ((rest, e), None),
            }
        } else {
            ((rest, e), None)
        };
        let chosen = match (op, nonempty) {
            (b'?', true) => Some(a),
            (b'?', false) => b,
            (_, false) => Some(a),
            _ => None,
        };
        if let Some((cs, ce)) = chosen {
            self.walk(st, &text[cs..ce], src, base + cs, ctx, dollar.is_some());
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn relational(
        &self,
        st: &RefCell<State>,
        text: &str,
        s: usize,
        e: usize,
        src: Src,
        base: usize,
        ctx: Option<(usize, usize)>,
        top: bool,
    ) {
        let t = text.as_bytes();
        let group = |at: usize| -> Option<(usize, usize)> {
            let at = skip_ws(&t[..e], at);
            if at >= e || t[at] != b'{' {
                return None;
            }
            balanced(&t[at..e], b'{', b'}').map(|n| (at, at + n))
        };
        let bad = |st: &RefCell<State>| {
            st.borrow_mut().errors.push(format!(
                "bad relational expression in \"{}\"",
                super::lines::clip(&text[s..e], 60)
            ))
        };
        let Some((a0, a1)) = group(s) else {
            return bad(st);
        };
        let o = skip_ws(&t[..e], a1);
        let ops: [&[u8]; 6] = [b"==", b"!=", b"<=", b">=", b"<", b">"];
        let Some(op) = ops.iter().find(|op| t[o..e].starts_with(op)) else {
            return bad(st);
        };
        let Some((b0, b1)) = group(o + op.len()) else {
            return bad(st);
        };
        let q = skip_ws(&t[..e], b1);
        if q >= e || t[q] != b'?' {
            return bad(st);
        }
        let Some((x0, x1)) = group(q + 1) else {
            return bad(st);
        };
        let c = skip_ws(&t[..e], x1);
        let y = if c < e && t[c] == b':' {
            group(c + 1)
        } else {
            None
        };
        let av = self.to_string(st, &text[a0 + 1..a1 - 1]);
        let bv = self.to_string(st, &text[b0 + 1..b1 - 1]);
        let truth = match *op {
            b"==" => av == bv,
            b"!=" => av != bv,
            _ => match (av.trim().parse::<i64>(), bv.trim().parse::<i64>()) {
                (Ok(x), Ok(y)) => match *op {
                    b"<" => x < y,
                    b"<=" => x <= y,
                    b">" => x > y,
                    _ => x >= y,
                },
                _ => {
                    bad(st);
                    false
                }
            },
        };
        let pick = if truth { Some((x0, x1)) } else { y };
        if let Some((p0, p1)) = pick {
            self.walk(st, &text[p0 + 1..p1 - 1], src, base + p0 + 1, ctx, top);
        }
    }
}

/// Expand `text` against `main` and `defaults` (no service overrides).
pub fn expand(main: &MainCf, defaults: &dyn Fn(&str) -> Option<String>, text: &str) -> Expansion {
    Expander::new(main, defaults).expand(text)
}
