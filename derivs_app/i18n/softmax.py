"""Text of the Softmax Jacobian page."""

TEXT = {
    "smx.title": ("Softmax and its Jacobian", "Softmax 及其雅可比矩阵"),
    "smx.intro": (
        "Softmax turns n logits z into probabilities s. Its Jacobian J says how every s_i moves "
        "when one z_j moves. Move the logits (or pick a preset in the sidebar) and watch J "
        "change; hover a cell to see its formula with the numbers plugged in.",
        "Softmax 把 n 个 logits z 变成概率 s。它的雅可比矩阵 J 描述了某个 z_j 变化时每个 s_i "
        "如何变化。拖动 logits(或在侧边栏选择预设),观察 J 的变化;把鼠标悬停在格子上,"
        "可以看到代入数值后的公式。"),
    # sidebar
    "smx.preset": ("Logits", "Logits 来源"),
    "smx.n": ("Number of logits n", "logits 个数 n"),
    "smx.fixed_size": ("This preset has n = {n}.", "此预设固定 n = {n}。"),
    "smx.seed": ("Random seed", "随机种子"),
    "smx.temperature": ("Temperature T", "温度 T"),
    "smx.temperature_help": (
        "s = softmax(z / T). T < 1 sharpens s towards the largest logit (J shrinks towards 0); "
        "T > 1 flattens s towards uniform.",
        "s = softmax(z / T)。T < 1 使 s 向最大的 logit 集中(J 趋向 0);T > 1 使 s 趋向均匀分布。"),
    # logits
    "smx.logits": ("Logits z", "Logits z"),
    "smx.preset_values": ("Preset **{preset}**:", "预设 **{preset}**:"),
    "smx.preset_hint": ("Choose “custom” in the sidebar to set each logit with a slider.",
                        "在侧边栏选择 “custom”,即可用滑块逐个设置 logits。"),
    "smx.overflow_note": (
        "exp(1000) overflows float64 to inf, so a naive softmax returns inf/inf = NaN. Shifting "
        "by the largest logit first gives exp(0) = 1 for the two largest: s = [0.5, 0.5, s₃] "
        "with s₃ = e^(−2000/T)/2, which underflows to exactly 0 for T < 2.7. Then J's third "
        "row and column are 0, and J loses a rank in float64 (see the properties).",
        "exp(1000) 在 float64 中溢出为 inf,朴素的 softmax 会得到 inf/inf = NaN。先减去最大的 "
        "logit,两个最大项变为 exp(0) = 1:s = [0.5, 0.5, s₃],其中 s₃ = e^(−2000/T)/2,"
        "当 T < 2.7 时下溢为精确的 0。于是 J 的第三行和第三列为 0,J 在 float64 中秩减少 1"
        "(见下方性质)。"),
    # live figures
    "smx.probabilities": ("Probabilities s", "概率 s"),
    "smx.jacobian": ("Jacobian J = ∂s/∂z", "雅可比矩阵 J = ∂s/∂z"),
    "smx.hover_hint": (
        "Row i is s_i, column j is z_j. Hover a cell: its numbers go into "
        "J_ij = s_i(δ_ij − s_j)/T. Blue is positive, red negative, white 0.",
        "第 i 行对应 s_i,第 j 列对应 z_j。悬停在格子上:数值代入 J_ij = s_i(δ_ij − s_j)/T。"
        "蓝色为正,红色为负,白色为 0。"),
    "smx.tap_hint": (
        "Row i is s_i, column j is z_j. Tap a cell: its numbers go into "
        "J_ij = s_i(δ_ij − s_j)/T. Blue is positive, red negative, white 0.",
        "第 i 行对应 s_i,第 j 列对应 z_j。点按格子:数值代入 J_ij = s_i(δ_ij − s_j)/T。"
        "蓝色为正,红色为负,白色为 0。"),
    "smx.more": ("Take J apart", "拆解 J"),
    "smx.more_help": (
        "Open a section: J split into its two terms, J checked against finite differences, "
        "the product backprop computes instead of J, and the notes' formula read literally. "
        "Each follows the logits above.",
        "展开一节查看:J 拆成两项、J 与有限差分的对比、反向传播代替 J 计算的乘积,"
        "以及按字面理解的笔记公式。每一节都随上方的 logits 变化。"),
    "smx.decomposition": ("J = diag(s)/T − s sᵀ/T, term by term",
                          "逐项分解:J = diag(s)/T − s sᵀ/T"),
    "smx.decomposition_help": (
        "diag(s) puts the probabilities on the diagonal; s sᵀ is the outer product, every "
        "entry s_i s_j. Their difference has the positive diagonal s_i(1 − s_i) and the negative "
        "off-diagonal −s_i s_j, and each row sums to s_i − s_i Σ_j s_j = 0. All three share one "
        "colour scale.",
        "diag(s) 把概率放在对角线上;s sᵀ 是外积,每个元素为 s_i s_j。两者之差的对角线为正的 "
        "s_i(1 − s_i),非对角线为负的 −s_i s_j,每行之和为 s_i − s_i Σ_j s_j = 0。"
        "三幅图使用同一色标。"),
    # properties
    "smx.properties": ("Properties, checked live", "性质(实时检验)"),
    "smx.col_property": ("Property", "性质"),
    "smx.col_measured": ("Measured", "实测"),
    "smx.prop_symmetric": ("symmetric: {m} = {m}ᵀ", "对称:{m} = {m}ᵀ"),
    "smx.prop_rows": ("every row sums to 0: {m}·1 = 0", "每行之和为 0:{m}·1 = 0"),
    "smx.prop_psd": ("positive semi-definite: xᵀ{m}x ≥ 0", "半正定:xᵀ{m}x ≥ 0"),
    "smx.prop_rank": ("rank n − 1 = {expected}", "秩为 n − 1 = {expected}"),
    "smx.measured_asym": ("max |{m} − {m}ᵀ| = {value:.2e}", "max |{m} − {m}ᵀ| = {value:.2e}"),
    "smx.measured_rows": ("max |row sum| = {value:.2e}", "max |行和| = {value:.2e}"),
    "smx.measured_psd": ("smallest eigenvalue of ({m} + {m}ᵀ)/2 = {value:.3g}",
                         "({m} + {m}ᵀ)/2 的最小特征值 = {value:.3g}"),
    "smx.measured_rank": ("numerical rank {rank}", "数值秩 {rank}"),
    "smx.eigenvalues": ("**Eigenvalues of {m}** (ascending): {values}",
                        "**{m} 的特征值**(升序):{values}"),
    "smx.tolerance": (
        "✓ means zero up to rounding: at most 8·n·ε·‖J‖∞ = {tol:.1e}. Eigenvalues that small "
        "are shown as 0; the 0 eigenvalue of J belongs to the all-ones vector (rows sum to 0).",
        "✓ 表示在舍入误差范围内为 0:不超过 8·n·ε·‖J‖∞ = {tol:.1e}。如此小的特征值显示为 0;"
        "J 的 0 特征值对应全 1 向量(每行之和为 0)。"),
    "smx.rank_note": (
        "Numerical rank {rank}, not {expected}: some probabilities are so small next to the "
        "others (or underflowed to 0) that their eigenvalues fall below float64's resolution. "
        "In exact arithmetic J has rank n − 1 whenever every s_i > 0.",
        "数值秩为 {rank},而不是 {expected}:某些概率相对其他概率过小(或已下溢为 0),"
        "其对应的特征值低于 float64 的分辨率。在精确算术中,只要每个 s_i > 0,J 的秩就是 n − 1。"),
    # the notes' formula
    "smx.notes_title": ("The notes' formula f·I − fᵀ·f, read literally",
                        "笔记中的公式 f·I − fᵀ·f(按字面理解)"),
    "smx.notes_intro": (
        "The notes write the Jacobian as f·I − fᵀ·f. Read literally with f a row vector, f·I is f "
        "itself, broadcast down the rows, and fᵀ·f is the outer product, so M_ij = f_j(1 − f_i) "
        "(divided by T here, like J). That is not J: it is symmetric only when s is uniform, "
        "its rows sum to 1 − f_i instead of 0, and its rank is 1. The correct form, for a column "
        "vector f, is diag(f) − f fᵀ.",
        "笔记把雅可比矩阵写成 f·I − fᵀ·f。若把 f 按字面理解为行向量,f·I 就是 f 本身"
        "(沿行广播),fᵀ·f 是外积,于是 M_ij = f_j(1 − f_i)(此处与 J 一样除以 T)。"
        "它不是 J:只有 s 均匀时才对称,每行之和为 1 − f_i 而不是 0,且秩为 1。"
        "对列向量 f,正确形式是 diag(f) − f fᵀ。"),
    "smx.notes_M": ("the notes' M", "笔记中的 M"),
    # numerical against analytic
    "smx.numerical": ("Numerical against analytic", "数值与解析对比"),
    "smx.analytic_J": ("analytic J", "解析 J"),
    "smx.numerical_J": ("numerical J", "数值 J"),
    "smx.abs_difference": ("|analytic − numerical|", "|解析 − 数值|"),
    "smx.max_rel_error": ("Largest relative error over the entries:", "各元素中最大的相对误差:"),
    "smx.worst_entry": ("Reached at J[{i},{j}]: analytic {a:.6g}, numerical {n:.6g}.",
                        "出现在 J[{i},{j}]:解析值 {a:.6g},数值 {n:.6g}。"),
    "smx.normwise_error": ("Largest error measured against J's largest entry:",
                           "以 J 的最大元素为尺度的最大误差:"),
    "smx.step": (
        "Step h = {h:.1e} (the method's default, scaled by max(1, |z_j|)); softmax(z/T) sees "
        "h/T = {scaled:.1e}. A large h/T, as in the overflow preset at small T, shows the "
        "truncation error; the complex step has no such trade-off.",
        "步长 h = {h:.1e}(方法的默认步长,按 max(1, |z_j|) 缩放);softmax(z/T) 实际看到的是 "
        "h/T = {scaled:.1e}。h/T 较大时(如小 T 下的 overflow 预设)截断误差就会显现;"
        "复数步长法没有这种权衡。"),
    "smx.unresolved": (
        "{count} entries of the numerical J are exactly 0 where the analytic J is not. There, "
        "moving z_j by h changes s_i by less than the spacing of float64 numbers near s_i "
        "(always so when s_i rounds to 1), so the finite difference subtracts two equal "
        "numbers. The analytic J keeps these entries to full relative accuracy, computing "
        "1 − s_i as Σ_(j≠i) s_j: the large relative error is the finite differences' fault, not "
        "the formula's.",
        "数值 J 中有 {count} 个元素恰好为 0,而解析 J 中对应元素不为 0。在这些位置,"
        "把 z_j 移动 h 后 s_i 的变化小于 s_i 附近 float64 数的间距(s_i 舍入为 1 时总是如此),"
        "有限差分相当于两个相等的数相减。解析 J 把 1 − s_i 算作 Σ_(j≠i) s_j,"
        "使这些元素保持完整的相对精度:较大的相对误差源于有限差分,而不是公式。"),
    "smx.tiny_entries": (
        "The worst relative errors sit on entries tiny next to J's largest one, where a finite "
        "difference is mostly rounding noise. Measured against J's largest entry the two agree "
        "far better, which is why gradient checks such as PyTorch's gradcheck add an absolute "
        "tolerance.",
        "最大的相对误差出现在远小于 J 最大元素的元素上,在那里有限差分主要是舍入噪声。"
        "以 J 的最大元素为尺度衡量,两者吻合得好得多;这正是 PyTorch 的 gradcheck "
        "等梯度检验要加上绝对容差的原因。"),
    # vector-Jacobian product
    "smx.vjp": ("Backprop never builds J", "反向传播从不构造 J"),
    "smx.vjp_intro": (
        "Backprop needs Jᵀv, where v = ∂L/∂s is the gradient arriving from the layer above, "
        "never J itself. s ⊙ (v − ⟨s, v⟩)/T gives it in O(n) time and memory instead of J's "
        "O(n²). Set v with the sliders: the default one-hot v picks out the first row of J.",
        "反向传播需要的是 Jᵀv(v = ∂L/∂s 是从上一层传回的梯度),而从不需要 J 本身。"
        "s ⊙ (v − ⟨s, v⟩)/T 只需 O(n) 的时间和内存,而构造 J 需要 O(n²)。"
        "用滑块设置 v:默认的 one-hot v 取出 J 的第一行。"),
    "smx.vjp_fast": ("s ⊙ (v − ⟨s, v⟩)/T  (backprop, O(n))", "s ⊙ (v − ⟨s, v⟩)/T(反向传播,O(n))"),
    "smx.vjp_explicit": ("Jᵀv  (J built, O(n²))", "Jᵀv(构造 J,O(n²))"),
    "smx.vjp_chart": ("The two products, component by component", "两种乘积的逐分量对比"),
    "smx.vjp_difference": (
        "max |difference| = {diff:.2e} (rounding scale n·ε·max|J|·max|v| = {scale:.1e})",
        "max |差值| = {diff:.2e}(舍入误差尺度 n·ε·max|J|·max|v| = {scale:.1e})"),
    "smx.vjp_values": ("backprop: [{fast}]; explicit: [{explicit}]",
                       "反向传播:[{fast}];显式:[{explicit}]"),
}
