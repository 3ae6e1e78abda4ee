"""Text of the gradient-check lab (keys "gc."), including the hints and explanations of the
planted bugs in derivs/bugs.py (keys "gc.bug.<name>.hint" and "gc.bug.<name>.why")."""

TEXT = {
    "gc.intro": (
        "A gradient check compares a hand-written derivative (analytic) with a finite-difference "
        "estimate (numerical). It catches a slipped derivation before it quietly trains a network "
        "badly. Pick what to check and how, watch the error trade truncation against round-off, "
        "see why checks fail at kinks, and hunt planted bugs.",
        "梯度检验把手写的导数(解析值)与有限差分估计(数值)进行比较。它能在推导出错、"
        "网络被悄悄训练坏之前发现问题。选择检验对象和方法,观察误差如何在截断误差与舍入误差之间权衡,"
        "看看为什么检验在尖点处会失败,再去找出预先埋下的错误。"),
    "gc.check_title": ("Check one derivative", "检验一个导数"),
    "gc.target": ("What to check", "检验对象"),
    "gc.kind.activation": (
        "f is the activation {label}; f′ is its hand-written derivative from the core.",
        "f 是激活函数 {label};f′ 是核心代码中手写的导数。"),
    "gc.kind.loss": (
        "f(x) is the loss L(y, {var}) with {var}{k} set to x and the other entries fixed: "
        "y = {y}, {var} = {base}. f′ is the core's gradient entry ∂L/∂{var}{k}.",
        "f(x) 是损失 L(y, {var}),其中 {var}{k} 取 x,其余分量固定:"
        "y = {y},{var} = {base}。f′ 是核心代码给出的梯度分量 ∂L/∂{var}{k}。"),
    "gc.kind.softmax": (
        "f(x) is the softmax output s{i} with the logit z{j} set to x, the others fixed: "
        "z = {base}. f′ is the core's Jacobian entry ∂s{i}/∂z{j}.",
        "f(x) 是 softmax 输出 s{i},其中 logit z{j} 取 x,其余固定:z = {base}。"
        "f′ 是核心代码给出的雅可比矩阵元素 ∂s{i}/∂z{j}。"),
    "gc.x": ("Point x", "检验点 x"),
    "gc.x_exact": ("Exact x (optional)", "精确的 x(可选)"),
    "gc.x_exact_help": (
        "Type any number, e.g. 5e-7 or 40, to check exactly there; it overrides the slider. "
        "Clear the box to use the slider again.",
        "输入任意数,例如 5e-7 或 40,就在该点精确检验;它优先于滑块。清空输入框即恢复使用滑块。"),
    "gc.preset": ("Settings of a library", "采用某个库的设置"),
    "gc.log_h": ("Step: log₁₀ h", "步长:log₁₀ h"),
    "gc.f32": ("float32 finite differences", "用 float32 计算有限差分"),
    "gc.f32_help": (
        "Round x, h and every value of f to float32 (single precision, as on most GPUs); the "
        "analytic side stays float64.",
        "把 x、h 以及 f 的每个取值都舍入到 float32(单精度,大多数 GPU 上的精度);解析一侧仍为 float64。"),
    "gc.settings": (
        "Checking at x = {x} with **{method}** differences, h = {h}, in {dtype}. "
        "The method evaluates f at: {points}.",
        "在 x = {x} 处用 **{method}** 差分检验,h = {h},精度 {dtype}。该方法在以下各点计算 f:{points}。"),
    "gc.verdict_pass": ("Passes. Judged as {preset}: {rule} (a analytic, n numerical).",
                        "通过。判定标准:{preset},{rule}(a 为解析值,n 为数值)。"),
    "gc.verdict_fail": ("Fails. Judged as {preset}, it needs {rule} (a analytic, n numerical).",
                        "未通过。判定标准:{preset},要求 {rule}(a 为解析值,n 为数值)。"),
    "gc.rule.allclose": ("|a − n| ≤ {atol} + {rtol}·|n|", "|a − n| ≤ {atol} + {rtol}·|n|"),
    "gc.rule.relative": ("relative error ≤ {rtol}", "相对误差 ≤ {rtol}"),
    "gc.rule.norm": ("‖a − n‖₂ ≤ {atol}", "‖a − n‖₂ ≤ {atol}"),
    "gc.pass": ("✓ pass", "✓ 通过"),
    "gc.fail": ("✗ fail", "✗ 未通过"),
    "gc.custom_name": ("your method and step, CS231n's 'good' band",
                       "你选的方法与步长,CS231n 的“良好”区间"),
    "gc.presets_title": ("The same check under each library's settings",
                         "同一个检验,换用各个库的设置"),
    "gc.presets_caption": (
        "Each row uses that library's own method, step and tolerance at this x ({dtype}); a is the "
        "analytic value, n the numerical one. The same derivative can pass one and fail another.",
        "每一行都在这个 x 处使用该库自己的方法、步长与容差({dtype});a 为解析值,n 为数值。"
        "同一个导数可能在一个库下通过,在另一个库下失败。"),
    "gc.col.preset": ("Settings", "设置"),
    "gc.col.method": ("Method", "方法"),
    "gc.col.h": ("Step h", "步长 h"),
    "gc.col.rule": ("Passes if", "通过条件"),
    "gc.col.verdict": ("Verdict", "结论"),
    "gc.col.order": ("Order (right slope)", "阶数(右侧斜率)"),
    "gc.col.best_h": ("Best h", "最佳 h"),
    "gc.col.best_err": ("Smallest error", "最小误差"),
    "gc.col.probe": ("Where", "位置"),
    "gc.col.kink": ("Points and kink", "差分点与尖点"),
    "gc.problem.complex_float32": (
        "The complex step is offered in float64 only. Pick another method or switch float32 off.",
        "复步长法只提供 float64 版本。请换一种方法,或关闭 float32。"),
    "gc.problem.complex_real": (
        "The complex step needs f to take complex input; here f is a hand-written f′, real code "
        "only (some return garbage or drop the imaginary part). Pick another method.",
        "复步长法要求 f 接受复数输入;这里的 f 是手写的 f′,只是实数代码(有的会出错,"
        "有的会丢掉虚部)。请换一种方法。"),
    "gc.problem.step_lost": (
        "The step h = {h} is lost to rounding at x = {x}: x + h rounds back to x (points "
        "coincide), so the method divides by 0 or by a step it never took. Make h larger.",
        "在 x = {x} 处,步长 h = {h} 被舍入吞掉了:x + h 舍入后又等于 x(差分点重合),"
        "于是该方法除以 0,或者除以一个并未真正迈出的步长。请增大 h。"),
    "gc.problem.outside_domain": (
        "The method evaluates f outside its domain (at {points}): the numerical value means "
        "nothing there. Make h smaller or move x inward.",
        "该方法在定义域之外计算了 f(在 {points}):此时数值结果没有意义。请减小 h 或把 x 移向内部。"),
    "gc.problem.not_finite": (
        "The numerical or the analytic value is not a finite number here (overflow or a pole).",
        "此处数值或解析值不是有限数(溢出或奇点)。"),
    "gc.kink.crosses": (
        "The method's points reach across the kink at x = {at}: the difference quotient mixes the "
        "slopes of both pieces ({numerical}) and matches neither, while the analytic derivative "
        "gives {analytical}. No bug is needed for this check to fail: move x farther from the "
        "kink than the points reach, or shrink h.",
        "该方法的差分点跨过了 x = {at} 处的尖点:差商混合了两段的斜率({numerical}),"
        "与哪一段都不相符,而解析导数给出 {analytical}。即使代码没有错误,这个检验也会失败:"
        "让 x 离尖点比差分点覆盖的范围更远,或者减小 h。"),
    "gc.kink.on_kink": (
        "x is exactly on the kink at {at}: f has no derivative there. The analytic value "
        "{analytical} is a convention (the {side}, as in PyTorch), while the method sees {seen} "
        "and gives {numerical}. A failed check here says nothing about the code.",
        "x 恰好位于尖点 {at}:f 在此处不可导。解析值 {analytical} 只是一种约定(取{side},"
        "与 PyTorch 相同),而该方法看到的是{seen},得到 {numerical}。在这里检验失败并不说明代码有错。"),
    "gc.kink.clear": (
        "Every point the method evaluates lies on one side of the kink: the check is valid here, "
        "and a correct derivative passes.",
        "该方法用到的所有点都在尖点的同一侧:此处的检验有效,正确的导数会通过。"),
    "gc.side.left": ("slope from the left", "左侧斜率"),
    "gc.side.right": ("slope from the right", "右侧斜率"),
    "gc.seen.left": ("only the left piece", "只有左边一段"),
    "gc.seen.right": ("only the right piece", "只有右边一段"),
    "gc.seen.both": ("both pieces", "两段"),
    "gc.seen.branch": (
        "the branch the code takes at x (the complex step evaluates f at x + ih and never moves "
        "along the real axis)",
        "代码在 x 处所走的分支(复步长法在 x + ih 处计算 f,从不沿实轴移动)"),
    "gc.kstatus.crosses": ("straddles the kink", "跨过尖点"),
    "gc.kstatus.on_kink": ("on the kink", "位于尖点"),
    "gc.kstatus.clear": ("clear of the kink", "避开尖点"),
    "gc.step_title": ("Error against step size", "误差与步长的关系"),
    "gc.step_chart": ("{label} at x = {x}: each method's error against h ({dtype})",
                      "{label},x = {x}:各方法的误差随 h 的变化({dtype})"),
    "gc.step_lost": (
        "At x = {x} every step from 1e-16 to 1 is lost to rounding (x + h rounds back to x) for "
        "{methods}: they give no number, so they have no curve.",
        "在 x = {x} 处,对 {methods} 而言,从 1e-16 到 1 的每个步长都被舍入吞掉(x + h 舍入后又等于 x):"
        "它们得不到任何数值,因此没有曲线。"),
    "gc.axis_h": ("step h", "步长 h"),
    "gc.axis_rel": ("relative error", "相对误差"),
    "gc.axis_abs": ("absolute error (the exact derivative is 0)", "绝对误差(精确导数为 0)"),
    "gc.best_h": ("best h", "最佳 h"),
    "gc.slope": ("slope", "斜率"),
    "gc.floor_line": ("below {floor}: drawn here", "小于 {floor}:画在此线上"),
    "gc.your_h": ("your h", "当前 h"),
    "gc.floor_caption": (
        "Errors below {floor} (often exactly 0: the complex step is exact to the last bit) have no "
        "place on a log axis, so they are drawn on the dashed floor line. Gaps on the left are "
        "steps so small that x + h rounds back to x: no step is left to divide by. Stars mark each "
        "method's best h, dotted lines the theoretical slopes.",
        "小于 {floor} 的误差(常常恰好为 0:复步长法精确到最后一位)无法画在对数坐标上,"
        "因此画在虚线底线上。左侧的空缺表示步长太小,x + h 舍入后又等于 x:已经没有步长可除。"
        "星号标出各方法的最佳 h,点线是理论斜率。"),
    "gc.step_explain": (
        "**Right: truncation.** A finite difference is a truncated Taylor series; its error "
        "shrinks like h to the power of the method's order, so on log-log axes each curve falls "
        "with slope equal to its order (forward and backward 1, central and complex step 2, "
        "five-point 4): the dotted guides.\n\n"
        "**Left: round-off.** The values f(x ± h) carry about 16 significant digits (7 in "
        "float32). Subtracting two nearly equal values leaves mostly rounding noise, and dividing "
        "by h magnifies it: the error grows like ε/h, slope −1.\n\n"
        "**The best h** (stars) balances the two: near √ε for forward and backward, ∛ε for "
        "central, the fifth root of ε for five-point. The complex step subtracts nothing, so it "
        "has no round-off side: any tiny h is exact.",
        "**右侧:截断误差。** 有限差分是截断的泰勒级数;误差随 h 的(方法阶数)次幂减小,"
        "所以在双对数坐标上每条曲线以等于阶数的斜率下降(前向与后向为 1,中心差分与复步长为 2,"
        "五点公式为 4):见点线参考线。\n\n"
        "**左侧:舍入误差。** f(x ± h) 只有约 16 位有效数字(float32 约 7 位)。两个几乎相等的数相减,"
        "剩下的主要是舍入噪声,再除以 h 就把它放大了:误差像 ε/h 一样增长,斜率为 −1。\n\n"
        "**最佳 h**(星号)在两者之间取得平衡:前向与后向约为 √ε,中心差分约为 ∛ε,"
        "五点公式约为 ε 的五次方根。复步长法不做减法,因此没有舍入误差一侧:任何很小的 h 都精确。"),
    "gc.step_f32": (
        "In float32, ε ≈ 1.2e-7 instead of 2.2e-16: the round-off side rises by nine orders of "
        "magnitude, the best h moves right, and the smallest reachable error is only about 1e-7 "
        "to 1e-4. A check with PyTorch's h = 1e-6 in float32 mostly measures noise: that is why "
        "torch.autograd.gradcheck asks for float64.",
        "在 float32 中 ε ≈ 1.2e-7,而不是 2.2e-16:舍入误差一侧抬高了九个数量级,最佳 h 右移,"
        "能达到的最小误差只有约 1e-7 到 1e-4。在 float32 下用 PyTorch 的 h = 1e-6 做检验,"
        "测到的大多是噪声:这就是 torch.autograd.gradcheck 要求 float64 的原因。"),
    "gc.kink_title": ("Kink explorer", "尖点探索"),
    "gc.kink_intro": (
        "At a kink (ReLU at 0, hardtanh at ±1) f has no derivative. A finite difference whose "
        "points lie on both sides mixes two slopes, so the check fails although the code is "
        "right. The same check runs below on the kink k, half a step to either side, and three "
        "steps away; method, step and settings come from the controls above.",
        "在尖点处(ReLU 在 0,hardtanh 在 ±1)f 不可导。如果有限差分的点落在尖点两侧,"
        "就会混合两个斜率,即使代码正确,检验也会失败。下面在尖点 k 上、左右各半个步长处,"
        "以及三个步长之外运行同一个检验;方法、步长与设置沿用上方的控件。"),
    "gc.kink_target": ("Function with kinks", "带尖点的函数"),
    "gc.kink_at": ("Kink at x =", "尖点位置 x ="),
    "gc.kink_probe": ("Look up close at", "放大查看"),
    "gc.kink_settings": ("{method} differences, h = {h}. Judged as {preset}.",
                         "{method} 差分,h = {h}。判定标准:{preset}。"),
    "gc.stencil_chart": ("{label} near x = {x}: {method}, h = {h}",
                         "{label} 在 x = {x} 附近:{method},h = {h}"),
    "gc.slope_numerical": ("slope measured: {v}", "差分测得的斜率:{v}"),
    "gc.slope_analytical": ("slope of f′: {v}", "f′ 给出的斜率:{v}"),
    "gc.stencil_points": ("points the method evaluates", "该方法用到的点"),
    "gc.kink_word": ("kink", "尖点"),
    "gc.kink_more": ("What libraries return at this kink", "各个库在这个尖点处返回什么"),
    "gc.kink_elsewhere": (
        "The derivative at a kink is a convention. This app returns PyTorch's; others differ:",
        "尖点处的导数只是一种约定。本应用采用 PyTorch 的约定;其他库各不相同:"),
    "gc.bug_title": ("Find the bug", "找出错误"),
    "gc.bug_intro": (
        "Each function below comes with a hand-written derivative hiding one mistake, some "
        "straight from the course notes. Move the point, change the method and read the table "
        "until a check fails; the scan shows the derivative's relative error at every x for your "
        "method. Then reveal what went wrong.",
        "下面每个函数都配有一个藏着一处错误的手写导数,其中有些直接来自课程笔记。"
        "移动检验点、更换方法、查看表格,直到某个检验失败;扫描图显示在你选的方法下,"
        "该导数在每个 x 处的相对误差。然后揭晓错在哪里。"),
    "gc.bug_pick": ("Suspect derivative", "可疑的导数"),
    "gc.bug_x": ("Check at x =", "在 x = 处检验"),
    "gc.bug_x_help": ("Any number; the scan below covers x from {lo} to {hi}.",
                      "任意数;下方的扫描覆盖 x 从 {lo} 到 {hi}。"),
    "gc.hint": ("Hint", "提示"),
    "gc.reveal": ("Reveal the bug", "揭晓错误"),
    "gc.bug_check": (
        "Your check: x = {x}, **{method}** differences with the default step h = {h}, judged as "
        "CS231n's 'good' band.",
        "你的检验:x = {x},**{method}** 差分,默认步长 h = {h},按 CS231n 的“良好”区间判定。"),
    "gc.bug_buggy": ("suspect derivative", "可疑的导数"),
    "gc.bug_correct": ("correct derivative", "正确的导数"),
    "gc.scan_chart": ("Relative error against {method} differences across x",
                      "相对于 {method} 差分的相对误差(x 扫描)"),
    "gc.export_bug": ("Export this check as code", "把这个检验导出为代码"),
    "gc.export_title": ("Take the check with you", "把检验带走"),
    "gc.export_intro": (
        "The check at the top of the page as a script that runs on its own: f and df are the "
        "lab's own numpy code, copied with inspect, so the script cannot drift from what you see. "
        "It prints the numbers and PASS or FAIL.",
        "把页面顶部的检验导出为可独立运行的脚本:f 和 df 就是本实验室自己的 numpy 代码,"
        "用 inspect 复制而来,因此脚本与你看到的结果不会不一致。脚本会打印数值以及 PASS 或 FAIL。"),
    "gc.export.numpy": ("numpy", "numpy"),
    "gc.export.torch": ("torch.autograd.gradcheck", "torch.autograd.gradcheck"),
    "gc.export.numpy_caption": (
        "Needs numpy (and scipy for the erf-based functions). Same method, step, precision and "
        "rule as the check.",
        "需要 numpy(基于 erf 的函数还需要 scipy)。方法、步长、精度与判据都与该检验相同。"),
    "gc.export.torch_caption": (
        "Wraps f and df in a torch.autograd.Function and lets torch.autograd.gradcheck compare "
        "them. Torch always takes central differences in float64, with eps = h.",
        "把 f 和 df 包装成 torch.autograd.Function,由 torch.autograd.gradcheck 进行比较。"
        "torch 总是用 float64 的中心差分,eps = h。"),
    "gc.export.download": ("Download the script", "下载脚本"),
    # --- the planted bugs (derivs/bugs.py) ---
    "gc.bug.mse_half.hint": (
        "Try a point where the prediction differs from the target y₁ = 0.5. Divide the numerical "
        "value by the analytic one: is it a round number?",
        "在预测值不等于目标 y₁ = 0.5 的点上试试。用数值结果除以解析结果:是不是一个整数?"),
    "gc.bug.mse_half.why": (
        "The notes' MSE gradient. For L = (1/n)‖y − ŷ‖² the gradient is (2/n)(ŷᵢ − yᵢ); the notes "
        "write (1/n)(ŷᵢ − yᵢ), which belongs to L = (1/2n)‖y − ŷ‖². The analytic value is exactly "
        "half the numerical one everywhere except at ŷ₁ = y₁, where both are 0: a check at the "
        "target itself passes and proves nothing.",
        "这是笔记中的 MSE 梯度。对 L = (1/n)‖y − ŷ‖²,梯度是 (2/n)(ŷᵢ − yᵢ);笔记写成 "
        "(1/n)(ŷᵢ − yᵢ),那是 L = (1/2n)‖y − ŷ‖² 的梯度。除了 ŷ₁ = y₁(两者都为 0)之外,"
        "解析值处处恰好是数值结果的一半:在目标点本身做检验会通过,却什么也证明不了。"),
    "gc.bug.ce_without_mean.hint": (
        "Divide the numerical value by the analytic one. How many entries does the prediction "
        "have?",
        "用数值结果除以解析结果。预测向量有几个分量?"),
    "gc.bug.ce_without_mean.why": (
        "The notes' cross-entropy gradient. L = −(1/n) Σ yᵢ log ŷᵢ gives ∂L/∂ŷᵢ = −yᵢ/(n ŷᵢ), "
        "but the notes drop the 1/n of the mean and write −yᵢ/ŷᵢ. With n = 3 the analytic value "
        "is 3 times too large at every point: a mean over n entries puts 1/n into every gradient.",
        "这是笔记中的交叉熵梯度。L = −(1/n) Σ yᵢ log ŷᵢ 的梯度是 ∂L/∂ŷᵢ = −yᵢ/(n ŷᵢ),"
        "但笔记丢掉了求平均带来的 1/n,写成 −yᵢ/ŷᵢ。这里 n = 3,解析值处处大了 3 倍:"
        "对 n 个分量求平均,每个梯度里都会有 1/n。"),
    "gc.bug.sigmoid_via_output.hint": (
        "It passes everywhere near 0. Try large x (20, 30, 40) with the complex step, and compare "
        "what the relative error says with what an absolute tolerance says.",
        "在 0 附近处处都能通过。用复步长法试试很大的 x(20、30、40),"
        "并比较相对误差和绝对容差分别给出的结论。"),
    "gc.bug.sigmoid_via_output.why": (
        "σ′ = σ(1 − σ) is right on paper, but σ(x) rounds to exactly 1 in float64 for x > 36.7, "
        "so σ(1 − σ) returns 0 where the true slope is about 4e-18: relative error 1, a value "
        "that is 100 % wrong. From x ≈ 20 on, 1 − σ already loses digits to cancellation. Finite "
        "differences cannot see it (σ(x ± h) round to 1 as well) and absolute tolerances wave it "
        "through (4e-18 is below any atol); only the complex step with a relative rule catches "
        "it. The core computes σ′ as e/(1 + e)² with e = exp(−|x|). tanh′ = 1 − tanh² has the "
        "same flaw beyond |x| ≈ 19.",
        "σ′ = σ(1 − σ) 在纸面上是对的,但在 float64 中当 x > 36.7 时 σ(x) 会被舍入为恰好 1,"
        "于是 σ(1 − σ) 返回 0,而真实斜率约为 4e-18:相对误差为 1,结果百分之百错误。"
        "从 x ≈ 20 起,1 − σ 已经因相消而丢失有效数字。有限差分看不出来(σ(x ± h) 同样舍入为 1),"
        "绝对容差也会放过它(4e-18 小于任何 atol);只有复步长法配合相对误差判据才能抓住它。"
        "核心代码用 e/(1 + e)²(e = exp(−|x|))计算 σ′。tanh′ = 1 − tanh² 在 |x| ≈ 19 以外也有同样的问题。"),
    "gc.bug.tanh_no_square.hint": (
        "At x = 0 it passes. Move away from 0: does the error grow on one side or on both?",
        "在 x = 0 处能通过。离开 0:误差是在一侧增大还是两侧都增大?"),
    "gc.bug.tanh_no_square.why": (
        "tanh′ = 1 − tanh²(x), but the square was dropped: 1 − tanh(x). The two agree only at "
        "x = 0 (both 1), exactly where a quick check would look. For x < 0 the buggy value even "
        "exceeds 1, which the slope of tanh never does.",
        "tanh′ = 1 − tanh²(x),但平方被漏掉了:写成了 1 − tanh(x)。两者只在 x = 0 处一致(都为 1),"
        "而那恰恰是草率检验会选的点。当 x < 0 时,错误的值甚至大于 1,而 tanh 的斜率从不超过 1。"),
    "gc.bug.softplus_wrong_sign.hint": (
        "At x = 0 it passes. Check at x = 1 and at x = −1: how do the two values relate?",
        "在 x = 0 处能通过。在 x = 1 和 x = −1 处检验:两个值之间有什么关系?"),
    "gc.bug.softplus_wrong_sign.why": (
        "softplus(x) = log(1 + eˣ) has the derivative eˣ/(1 + eˣ) = σ(x) = 1/(1 + e⁻ˣ). The buggy "
        "version wrote 1/(1 + eˣ) = σ(−x): the sign of the exponent slipped. The two meet only at "
        "x = 0 (both ½); elsewhere the buggy one is the mirror image, and the two add up to 1.",
        "softplus(x) = log(1 + eˣ) 的导数是 eˣ/(1 + eˣ) = σ(x) = 1/(1 + e⁻ˣ)。错误的版本写成了 "
        "1/(1 + eˣ) = σ(−x):指数的符号写反了。两者只在 x = 0 处相等(都为 ½);"
        "其他地方错误的版本是正确版本的镜像,两者之和为 1。"),
    "gc.bug.leaky_relu_swapped.hint": (
        "Check one point with x > 0 and one with x < 0. Which slope belongs to which side?",
        "分别在 x > 0 和 x < 0 的点上检验。哪个斜率属于哪一侧?"),
    "gc.bug.leaky_relu_swapped.why": (
        "Leaky ReLU is x for x > 0 and αx for x ≤ 0, so its derivative is 1 on the right and α on "
        "the left. The buggy version returns α on the right and 1 on the left. Keep the check "
        "away from the kink at 0: there every finite difference fails anyway and tells you "
        "nothing about the bug.",
        "Leaky ReLU 在 x > 0 时为 x,在 x ≤ 0 时为 αx,所以导数右侧为 1、左侧为 α。"
        "错误的版本在右侧返回 α、左侧返回 1。检验时要避开 0 处的尖点:那里任何有限差分都会失败,"
        "无法告诉你关于这个错误的任何信息。"),
    "gc.bug.gelu_missing_term.hint": (
        "At x = 0 it passes. Where is it farthest off? Think of the product rule for x·Φ(x).",
        "在 x = 0 处能通过。它在哪里偏差最大?想想 x·Φ(x) 的乘积法则。"),
    "gc.bug.gelu_missing_term.why": (
        "GELU(x) = x·Φ(x); by the product rule its derivative is Φ(x) + x·φ(x), with φ the "
        "standard normal density. The buggy version kept only Φ(x). The missing term x·φ(x) is 0 "
        "at x = 0 and fades far from 0, so the check fails most clearly for |x| around 1 to 2.",
        "GELU(x) = x·Φ(x);由乘积法则,导数为 Φ(x) + x·φ(x),其中 φ 是标准正态密度。"
        "错误的版本只保留了 Φ(x)。缺失的项 x·φ(x) 在 x = 0 处为 0,远离 0 时也趋于 0,"
        "所以在 |x| 约为 1 到 2 时检验失败得最明显。"),
    "gc.bug.gelu_rounded_constant.hint": (
        "Look at the table at x = 1: do all libraries agree? How large is the relative error?",
        "看看 x = 1 处的表格:各个库的结论一致吗?相对误差有多大?"),
    "gc.bug.gelu_rounded_constant.why": (
        "The form is right, Φ(x) + x·φ(x), but the constant 1/√(2π) = 0.39894… was typed as 0.4. "
        "The relative error is only about 6e-4 at x = 1: PyTorch's rtol = 1e-3 lets it pass, "
        "while JAX, CS231n and SciPy reject it. A loose tolerance hides small but real mistakes; "
        "a strict one needs a precise method (central or better) to avoid false alarms.",
        "形式是对的,Φ(x) + x·φ(x),但常数 1/√(2π) = 0.39894… 被写成了 0.4。"
        "在 x = 1 处相对误差只有约 6e-4:PyTorch 的 rtol = 1e-3 会放过它,"
        "而 JAX、CS231n 和 SciPy 都会拒绝。宽松的容差会掩盖细小但真实的错误;"
        "严格的容差则需要精确的方法(中心差分或更好)才能避免误报。"),
    # --- second edition: examples, f″, Richardson, estimates, random directions, fast mode ---
    "gc.example": ("Start from an example", "从示例开始"),
    "gc.example.none": ("— none —", "— 无 —"),
    "gc.example.sin_1e6": ("sin at x = 1e6: fixed steps fail", "x = 1e6 处的 sin:固定步长失效"),
    "gc.example.gradgrad": ("gradgradcheck: GELU″ at x = 1", "gradgradcheck:x = 1 处的 GELU″"),
    "gc.kind.function": (
        "f is {label} x and f′ = cos x: a derivative everybody knows, with period 2π ≈ 6.28. "
        "Type 1e6 into the exact box to watch steps scaled by |x| fail.",
        "f 是 {label} x,f′ = cos x:人人都知道的导数,周期 2π ≈ 6.28。"
        "在精确输入框中输入 1e6,看看按 |x| 缩放的步长如何失效。"),
    "gc.kind.second": (
        "{label}, a gradgradcheck: f′ of {base} plays the function and the hand-written f″ is "
        "the derivative under test, compared with finite differences of f′.",
        "{label},即 gradgradcheck:{base} 的 f′ 充当函数,手写的 f″ 是被检验的导数,"
        "与 f′ 的有限差分进行比较。"),
    "gc.second": ("Check f″ against differences of f′ (gradgradcheck)",
                  "用 f′ 的差分检验 f″(gradgradcheck)"),
    "gc.second_help": (
        "One order up: the lab then checks the hand-written second derivative, as "
        "torch.autograd.gradgradcheck checks a backward pass against differences of a backward "
        "pass. Only for targets with a hand-written f″.",
        "升高一阶:实验室改为检验手写的二阶导数,正如 torch.autograd.gradgradcheck 用反向传播的"
        "差分来检验反向传播本身。仅适用于有手写 f″ 的检验对象。"),
    "gc.no_second": ("{label} has no hand-written f″ here, so there is no gradgradcheck for it.",
                     "{label} 在这里没有手写的 f″,因此无法做 gradgradcheck。"),
    "gc.story.sin_1e6": (
        "**sin at x = 1e6.** sin repeats every 2π ≈ 6.28, but central's default step "
        "∛ε·|x| = {h} is {periods} of a period: f(x + h) and f(x − h) sample sin at two almost "
        "unrelated phases, and the quotient says nothing about the slope (relative error {rel}). "
        "Its own error estimate ({est}) is fooled as well, because D(h) and D(2h) are equally "
        "meaningless. A step scaled by |x| assumes f changes on the scale of x; sin changes on "
        "the scale of 1. Richardson probes sin itself: its largest step is {top}, well inside "
        "a period, and it extrapolates to {value} ± {rich_est} (relative error {rich_rel}). The "
        "complex step takes h = 1e-20 and subtracts nothing: relative error {cs_rel}.",
        "**x = 1e6 处的 sin。** sin 每隔 2π ≈ 6.28 重复一次,而中心差分的默认步长 "
        "∛ε·|x| = {h} 是周期的 {periods} 倍:f(x + h) 与 f(x − h) 落在 sin 几乎毫无关系的两个相位上,"
        "差商完全反映不了斜率(相对误差 {rel})。它自己的误差估计({est})也被骗了,因为 D(h) 与 "
        "D(2h) 同样没有意义。按 |x| 缩放步长,是假定 f 在 x 的尺度上变化;而 sin 在 1 的尺度上变化。"
        "Richardson 直接试探 sin 本身:它的最大步长是 {top},远小于一个周期,外推得到 "
        "{value} ± {rich_est}(相对误差 {rich_rel})。复步长法取 h = 1e-20,不做减法:"
        "相对误差 {cs_rel}。"),
    "gc.story.gradgrad": (
        "**gradgradcheck.** The check now runs one order up: f′ plays the function and the "
        "hand-written f″ its derivative, compared with finite differences of f′. "
        "torch.autograd.gradgradcheck does the same for a backward pass: it checks the gradient "
        "of the gradient against differences of the gradient. Every section below (presets, "
        "steps, Richardson, the export) now checks f″.",
        "**gradgradcheck。** 检验现在升高了一阶:f′ 充当函数,手写的 f″ 充当它的导数,"
        "与 f′ 的有限差分进行比较。torch.autograd.gradgradcheck 对反向传播做的是同一件事:"
        "用梯度的差分检验梯度的梯度。下面的各节(预设、步长、Richardson、导出)现在检验的都是 f″。"),
    "gc.bands": ("Error estimates on the chart", "图中的误差估计"),
    "gc.bands.mine": ("your method's band", "当前方法的误差带"),
    "gc.bands.all": ("every method's band", "所有方法的误差带"),
    "gc.bands.none": ("no bands", "不显示误差带"),
    "gc.bands_caption": (
        "Shaded: each method's own error estimate at every h (derivs.numeric_derivative with "
        "full_output=True: truncation from a second step 2h, plus a bound on the rounding). "
        "Where a line climbs out of its band, the estimate was too small.",
        "阴影:各方法在每个 h 处自己的误差估计(derivs.numeric_derivative 加 full_output=True:"
        "截断误差由第二个步长 2h 估计,再加上舍入误差的上界)。曲线一旦越出自己的误差带,就说明估计偏小。"),
    "gc.rich_hover_bar": ("Richardson: {value} ± {estimate}<br>error %{{y:.2e}}",
                          "Richardson:{value} ± {estimate}<br>误差 %{{y:.2e}}"),
    "gc.rich_on_chart": (
        "Diamonds: the central differences Richardson extrapolates (steps {steps}), on the "
        "central curve; the black bar across them is where extrapolation lands: error {err}.",
        "菱形:Richardson 用来外推的中心差分(步长 {steps}),位于中心差分曲线上;"
        "横跨它们的黑色横条是外推的落点:误差 {err}。"),
    "gc.rich_title": ("Richardson extrapolation", "Richardson 外推"),
    "gc.rich_intro": (
        "Central differences D(h) = f′ + c₁h² + c₂h⁴ + … on steps halving row by row. Each "
        "column combines two neighbours of the column before so that one more power of h "
        "cancels: column 1 is O(h⁴), column 2 O(h⁶), and so on (Neville's recursion, Ridders' "
        "tableau). Every entry gets an error estimate from the step to the next column, and the "
        "entry with the smallest estimate is the answer. The largest step comes from a probe "
        "of f itself, not from |x|. Each cell is coloured by its true error against the "
        "analytic derivative; the framed cell is the one chosen.",
        "在逐行减半的步长上计算中心差分 D(h) = f′ + c₁h² + c₂h⁴ + …。每一列把前一列的两个相邻值"
        "组合起来,再消去 h 的一个幂次:第 1 列为 O(h⁴),第 2 列为 O(h⁶),依此类推(Neville 递推,"
        "Ridders 表)。每个元素都由它到下一列的变化量给出误差估计,估计最小的元素就是答案。"
        "最大步长来自对 f 本身的试探,而不是 |x|。每个格子按它相对于解析导数的真实误差着色;"
        "加框的格子是被选中的那个。"),
    "gc.rich_none": ("At x = {x} no step gives a finite central difference: Richardson has "
                     "nothing to extrapolate.",
                     "在 x = {x} 处,没有任何步长能给出有限的中心差分:Richardson 无可外推。"),
    "gc.evaluations": ("evaluations of f", "f 的求值次数"),
    "gc.rich_missed": ("The true error is larger than Richardson's estimate here.",
                       "此处真实误差大于 Richardson 的估计。"),
    "gc.rich_chart": ("Richardson tableau: {label} at x = {x} ({dtype})",
                      "Richardson 表:{label},x = {x}({dtype})"),
    "gc.rich_colour": ("log₁₀ relative error", "log₁₀ 相对误差"),
    "gc.rich_colour_abs": ("log₁₀ absolute error", "log₁₀ 绝对误差"),
    "gc.rich_chosen": ("chosen", "选中"),
    "gc.rich_hover": (
        "%{y}, order %{x}<br>T = %{customdata[0]:.17g}<br>error %{customdata[1]:.2e}"
        "<br>estimate %{customdata[2]:.2e}",
        "%{y},阶 %{x}<br>T = %{customdata[0]:.17g}<br>误差 %{customdata[1]:.2e}"
        "<br>估计 %{customdata[2]:.2e}"),
    "gc.rich_caption": (
        "Rows: central differences at halving steps (largest on top). Columns: the order of the "
        "remaining truncation error. Cells show the true error. The chosen entry (framed), row "
        "{row} and column {col} ({order}), extrapolates {n} differences; below it the rows are not "
        "computed (the estimates grew again) and above the diagonal there is nothing to combine.",
        "行:步长逐行减半的中心差分(最大步长在最上面)。列:剩余截断误差的阶。格子里是真实误差。"
        "选中的元素(加框)位于第 {row} 行、第 {col} 列({order}),由 {n} 个差分外推而来;"
        "更下面的行没有计算(估计又变大了),对角线以上则没有可组合的值。"),
    "gc.alt.tableau": (
        "Richardson tableau for {label} at x = {x}: {rows} central differences at steps from "
        "{h0} down to {h1}, extrapolated in {cols} columns. The first difference is off by "
        "{first}; the chosen entry (row {row}, column {col}, order {order}, step {h}) is off by "
        "{best}, with estimate {estimate}.",
        "{label} 在 x = {x} 处的 Richardson 表:{rows} 个中心差分,步长从 {h0} 减小到 {h1},"
        "外推 {cols} 列。第一个差分的误差为 {first};选中的元素(第 {row} 行、第 {col} 列、"
        "阶 {order}、步长 {h})的误差为 {best},估计为 {estimate}。"),
    "gc.defaults_title": ("Every method at its own default step, with its error estimate",
                          "各方法在自己的默认步长下的结果与误差估计"),
    "gc.defaults_caption": (
        "Each method's value at its default step at this x ({dtype}), the error it estimates "
        "for itself (full_output=True), and its true relative error. An estimate covers the "
        "error when the true error is no larger. Fixed steps scale with |x|; Richardson "
        "finds its steps from f.",
        "各方法在此 x 处、默认步长下的数值({dtype}),它对自身误差的估计(full_output=True),"
        "以及真实的相对误差。真实误差不超过估计时,称估计覆盖了误差。固定步长随 |x| 缩放;"
        "Richardson 则从 f 本身找步长。"),
    "gc.col.estimate": ("Error estimate", "误差估计"),
    "gc.col.covered": ("Estimate ≥ error", "估计 ≥ 误差"),
    "gc.covered": ("✓ yes", "✓ 是"),
    "gc.not_covered": ("✗ no", "✗ 否"),
    "gc.own_steps": ("own, from {h}", "自选,从 {h} 起"),
    "gc.d2_title": ("Second derivatives", "二阶导数"),
    "gc.d2_intro": (
        "Training only needs f′, but second-order methods, curvature and gradient penalties "
        "need f″, and a hand-written f″ can slip like any derivative. It is checked the same "
        "way, one order up: differences of f′ against f″.",
        "训练只需要 f′,但二阶方法、曲率和梯度惩罚需要 f″,而手写的 f″ 和任何导数一样可能出错。"
        "它的检验方法相同,只是升高一阶:用 f′ 的差分对比 f″。"),
    "gc.show_d2": ("Show f″", "显示 f″"),
    "gc.d2_name": ("f″ (hand-written)", "f″(手写)"),
    "gc.d2_numerical": ("central differences of f′", "f′ 的中心差分"),
    "gc.alt.first": (
        "f′ of {label} for x from {lo} to {hi}; at x = {x}, f′ = {df}.",
        "{label} 的 f′,x 从 {lo} 到 {hi};在 x = {x} 处 f′ = {df}。"),
    "gc.alt.second": (
        "f′ of {label} beside f″ for x from {lo} to {hi}. At x = {x}: f′ = {df}, f″ = {d2f}, "
        "and central differences of f′ give {numerical} (relative error {rel}).",
        "{label} 的 f′ 与 f″ 并排,x 从 {lo} 到 {hi}。在 x = {x} 处:f′ = {df},f″ = {d2f},"
        "f′ 的中心差分给出 {numerical}(相对误差 {rel})。"),
    "gc.d2_readout": ("At x = {x}: f″ = {d2f}, central differences of f′ give {numerical}:",
                      "在 x = {x} 处:f″ = {d2f},f′ 的中心差分给出 {numerical}:"),
    "gc.dir_title": ("Random-direction checks", "随机方向检验"),
    "gc.dir_intro": (
        "A full numerical Jacobian costs two evaluations of f per input: 2n. PyTorch's "
        "gradcheck with fast_mode=True and JAX's check_grads test one random direction "
        "instead: draw unit vectors u (inputs) and v (outputs), and compare vᵀJu from the "
        "hand-written Jacobian with the directional difference vᵀ(f(x + hu) − f(x − hu))/2h. "
        "Two evaluations, whatever n is. A wrong entry J[i, j] shifts vᵀJu by vᵢuⱼ times its "
        "error, which random u and v make nonzero.",
        "完整的数值雅可比矩阵每个输入要计算 f 两次:共 2n 次。PyTorch 的 gradcheck 在 "
        "fast_mode=True 时以及 JAX 的 check_grads 改为检验一个随机方向:取单位向量 u(输入)和 "
        "v(输出),把手写雅可比矩阵给出的 vᵀJu 与方向差分 vᵀ(f(x + hu) − f(x − hu))/2h 比较。"
        "无论 n 多大,都只需两次求值。错误的元素 J[i, j] 会让 vᵀJu 偏移 vᵢuⱼ 乘以它的误差,"
        "而随机的 u 和 v 使这个偏移不为零。"),
    "gc.dir_subject": ("What to check", "检验对象"),
    "gc.dir.softmax": ("softmax Jacobian", "softmax 雅可比矩阵"),
    "gc.dir.loss": ("MSE gradient (2 inputs)", "MSE 梯度(2 个输入)"),
    "gc.dir.mlp": ("MLP gradient (17 parameters)", "MLP 梯度(17 个参数)"),
    "gc.dir.softmax.about": (
        "f = softmax at z = {x}: n = {n} inputs, m = {m} outputs; J = diag(s) − s sᵀ from "
        "derivs.softmax_jacobian.",
        "f = softmax,z = {x}:n = {n} 个输入,m = {m} 个输出;J = diag(s) − s sᵀ,"
        "来自 derivs.softmax_jacobian。"),
    "gc.dir.loss.about": (
        "f = MSE L(y, ŷ) with y = [0.5, -1] at ŷ = {x}: n = {n} inputs, m = {m} output; J is "
        "the gradient from the loss record. Two inputs, so the picture below shows the check.",
        "f = MSE L(y, ŷ),y = [0.5, -1],ŷ = {x}:n = {n} 个输入,m = {m} 个输出;J 是损失记录给出的"
        "梯度。只有两个输入,所以下方的图画出了这次检验。"),
    "gc.dir.mlp.about": (
        "f = the loss of an MLP (2, 3, 2), tanh, softmax cross-entropy, on 4 examples, as a "
        "function of all n = {n} weights and biases (m = {m}); J is backprop's gradient "
        "(net.gradients), flattened.",
        "f = 一个 MLP (2, 3, 2)(tanh,softmax 交叉熵)在 4 个样本上的损失,作为全部 n = {n} 个"
        "权重与偏置的函数(m = {m});J 是反向传播给出的梯度(net.gradients),展平成向量。"),
    "gc.dir_seed": ("Seed of the random directions", "随机方向的种子"),
    "gc.dir_count": ("Directions", "方向个数"),
    "gc.dir_plant": ("Plant a wrong entry", "埋入一个错误元素"),
    "gc.dir_plant_help": ("Flip the sign of the Jacobian's largest entry, as a slipped sign in a "
                          "hand derivation would.",
                          "把雅可比矩阵中绝对值最大的元素变号,就像手工推导时写错了符号。"),
    "gc.dir_planted": ("Planted: ∂{out}/∂{inp} flipped from {right} to {wrong}.",
                       "已埋入:∂{out}/∂{inp} 从 {right} 变号为 {wrong}。"),
    "gc.dir_analytical": ("vᵀJu (hand-written J)", "vᵀJu(手写的 J)"),
    "gc.dir_numerical": ("directional difference", "方向差分"),
    "gc.dir_rel": ("error / |v|ᵀ|J||u|", "误差 / |v|ᵀ|J||u|"),
    "gc.dir_pass": ("Passes: all {k} direction(s) agree to within {tol} of the size of vᵀJu's "
                    "terms.",
                    "通过:全部 {k} 个方向的差别都在 vᵀJu 各项大小的 {tol} 以内。"),
    "gc.dir_fail": ("Fails: a direction disagrees by more than {tol} of the size of vᵀJu's "
                    "terms ({k} direction(s) checked).",
                    "未通过:有方向的差别超过了 vᵀJu 各项大小的 {tol}(共检验 {k} 个方向)。"),
    "gc.dir_evaluations": (
        "**{used}** evaluations of f for {k} direction(s), against **{full}** for the full "
        "central-difference Jacobian over n = {n} inputs ({ratio}× as many).",
        "{k} 个方向只需 **{used}** 次 f 的求值,而对 n = {n} 个输入求完整的中心差分雅可比矩阵需要 "
        "**{full}** 次(是前者的 {ratio} 倍)。"),
    "gc.dir_seeds": ("Over the seeds 0 to {last}, one direction each: **{passed} of {seeds}** pass.",
                     "在种子 0 到 {last} 上、每个一个方向:**{seeds} 个中有 {passed} 个**通过。"),
    "gc.col.direction": ("Direction", "方向"),
    "gc.col.directional": ("vᵀ(f(x+hu) − f(x−hu))/2h", "vᵀ(f(x+hu) − f(x−hu))/2h"),
    "gc.dir_no_picture": ("The picture needs a function of 2 inputs: pick the MSE gradient.",
                          "作图需要两个输入的函数:请选择 MSE 梯度。"),
    "gc.dir_chart": ("The check in the plane of ŷ", "ŷ 平面中的检验"),
    "gc.dir_u": ("direction u", "方向 u"),
    "gc.dir_gradient": ("gradient under test", "被检验的梯度"),
    "gc.dir_true": ("true gradient (normal to the contours)", "真实梯度(垂直于等高线)"),
    "gc.dir_picture_caption": (
        "Not to scale: the probes sit h = {h} from x, far too close to see, so they are drawn "
        "on the line along u. The check compares the slope of L along that line, measured "
        "between the probes, with the gradient under test projected on u. A planted entry "
        "turns the gradient off the contours' normal.",
        "未按比例:探测点离 x 只有 h = {h},近得看不见,所以画在沿 u 的直线上。检验比较的是 L 沿这条直线、"
        "在两个探测点之间测得的斜率,与被检验梯度在 u 上的投影。埋入的错误元素会让梯度偏离等高线的法向。"),
    "gc.alt.direction": (
        "Contours of the MSE loss around x = ({x}); direction u = ({u}); probes x ± h·u with "
        "h = {h}. Gradient under test ({grad}), true gradient ({true}). vᵀJu = {analytical}, "
        "directional difference {numerical}.",
        "x = ({x}) 附近 MSE 损失的等高线;方向 u = ({u});探测点 x ± h·u,h = {h}。"
        "被检验的梯度 ({grad}),真实梯度 ({true})。vᵀJu = {analytical},方向差分 {numerical}。"),
    "gc.export.fast": ("fast_mode=True (random directions)", "fast_mode=True(随机方向)"),
    "gc.export.fast_help": (
        "torch.autograd.gradcheck then compares vᵀJu for random u and v with one directional "
        "difference instead of the whole numerical Jacobian: see Random-direction checks below.",
        "这样 torch.autograd.gradcheck 会用一个方向差分与随机 u、v 下的 vᵀJu 比较,"
        "而不是计算完整的数值雅可比矩阵:见下方的“随机方向检验”。"),
}
