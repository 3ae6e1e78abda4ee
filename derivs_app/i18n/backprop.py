"""Text of the backprop pages: the chain rule node by node (bp.), a small network and its bugs
(bpn.), vanishing and exploding gradients (bpd.), training (bpt.)."""

from derivs import BACKPROP_BUGS

TEXT = {
    "nav.backprop": ("Backprop, node by node", "反向传播:逐个节点"),
    "nav.backprop_network": ("Backprop in a network", "网络中的反向传播"),
    "nav.backprop_depth": ("Vanishing and exploding gradients", "梯度消失与爆炸"),
    "nav.backprop_train": ("Train a network", "训练一个网络"),

    # --- the chain rule, node by node ----------------------------------------------------------
    "bp.title": ("Backprop, node by node", "反向传播:逐个节点"),
    "bp.intro": (
        "One neuron, z = w₁x₁ + w₂x₂ + b, a = f(z), and its loss against a target t, drawn as a "
        "graph of single numbers. Step **forward** to compute each node from its parents, then "
        "**backward**: each node passes *local derivative × upstream gradient* to each of its "
        "parents, and a node used twice adds up what comes back along both uses. At the end "
        "every leaf's gradient is checked against a central difference of L.",
        "一个神经元:z = w₁x₁ + w₂x₂ + b,a = f(z),以及它相对目标 t 的损失,画成由单个数值组成的"
        "计算图。先**前向**逐步由父节点算出每个节点,再**反向**:每个节点把"
        "「局部导数 × 上游梯度」传给它的每个父节点;被使用两次的节点把两条路径传回的部分相加。"
        "最后,每个叶子节点的梯度都与 L 的中心差分对照检验。"),
    "bp.loss": ("Loss", "损失函数"),
    "bp.activation": ("Activation f", "激活函数 f"),
    "bp.bce_sigmoid": (
        "Binary cross-entropy takes log a and log(1 − a), so it needs 0 < a < 1 for every z: of "
        "the activations only the sigmoid gives that.",
        "二元交叉熵要计算 log a 与 log(1 − a),因此对任意 z 都需要 0 < a < 1:"
        "所有激活函数中只有 sigmoid 满足。"),
    "bp.target": ("Target t", "目标 t"),
    "bp.step": ("Step", "步骤"),
    "bp.step_start": ("start: the leaves", "开始:叶子节点"),
    "bp.step_forward": ("forward {k}/{n}: {node}", "前向 {k}/{n}:{node}"),
    "bp.step_backward": ("backward {k}/{n}: {node}", "反向 {k}/{n}:{node}"),
    "bp.first": ("Start", "开始"),
    "bp.back": ("Back", "上一步"),
    "bp.next": ("Step", "下一步"),
    "bp.last": ("End", "结束"),
    "bp.explain_start": (
        "The leaves hold their values: {leaves}. Step forward to compute each node from its "
        "parents.",
        "叶子节点已有取值:{leaves}。向前一步,由父节点计算每个节点。"),
    "bp.explain_forward": ("**{step}:** {formula} = {numbers} = {value}",
                           "**{step}:** {formula} = {numbers} = {value}"),
    "bp.explain_seed": (
        "**{step}:** backprop starts at the loss with ∂L/∂L = {grad}. L passes local × upstream "
        "to each of its parents:",
        "**{step}:** 反向传播从损失开始,∂L/∂L = {grad}。L 把「局部导数 × 上游梯度」"
        "传给它的每个父节点:"),
    "bp.explain_backward": (
        "**{step}:** every use of {node} has reported back, so ∂L/∂{node} = {grad} is final. "
        "{node} passes local × upstream to each of its parents:",
        "**{step}:** {node} 的每一处使用都已传回梯度,所以 ∂L/∂{node} = {grad} 已确定。"
        "{node} 把「局部导数 × 上游梯度」传给它的每个父节点:"),
    "bp.col_edge": ("edge", "边"),
    "bp.col_rule": ("local derivative", "局部导数"),
    "bp.col_local": ("local", "局部"),
    "bp.col_upstream": ("× upstream ∂L/∂child", "× 上游 ∂L/∂子节点"),
    "bp.col_contribution": ("= contribution", "= 贡献"),
    "bp.fan_out": (
        "**{node} is used {count} times**, so its gradient is the sum of the shares that come "
        "back: ∂L/∂{node} = {shares} = {total}. Keeping only one share is the bug "
        "“fan-out overwritten” (see Backprop in a network).",
        "**{node} 被使用了 {count} 次**,所以它的梯度是各路传回部分之和:"
        "∂L/∂{node} = {shares} = {total}。只保留其中一份就是“扇出被覆盖”这个 bug"
        "(见「网络中的反向传播」)。"),
    "bp.checks_title": ("Each leaf's gradient against a central difference",
                        "每个叶子节点的梯度与中心差分对照"),
    "bp.checks_intro": (
        "Central difference (L(θ + h) − L(θ − h)) / 2h in one leaf, the others held, with the "
        "core's default step h = ∛ε·max(1, |θ|); relative error |a − n| / max(|a|, |n|) and its "
        "band. A leaf's row fills in once backprop has reached it.",
        "只移动一个叶子节点、其余保持不变的中心差分 (L(θ + h) − L(θ − h)) / 2h,"
        "步长取核心库默认值 h = ∛ε·max(1, |θ|);相对误差 |a − n| / max(|a|, |n|) 及其区间。"
        "反向传播到达某个叶子节点后,它的一行才会填上。"),
    "bp.col_leaf": ("leaf", "叶子节点"),
    "bp.col_value": ("value", "取值"),
    "bp.col_backprop": ("backprop ∂L/∂leaf", "反向传播 ∂L/∂叶子"),
    "bp.col_central": ("central difference", "中心差分"),
    "bp.not_yet": ("not reached yet", "尚未到达"),
    "bp.same_title": ("The same numbers on the other pages", "其他页面上的同一组数字"),
    "bp.same_activation": (
        "The local derivative of a = f(z) is f′(z) = {fprime} at z = {z}: the number the "
        "Activations page shows for {act} at x₀ = z. [Open it there]({url}).",
        "a = f(z) 的局部导数是 z = {z} 处的 f′(z) = {fprime}:与「激活函数」页面上 {act} 在 "
        "x₀ = z 处显示的数字相同。[在那里打开]({url})。"),
    "bp.same_loss": (
        "The Losses page ({loss}) averages over n ≥ 2 components, so the link enters "
        "(t, a) = ({t}, {a}) twice: its L = {value} is this neuron's, and each component's "
        "gradient {each} is half of ∂L/∂a = {dl_da} here (a used twice: the two shares add "
        "up). [Open it there]({url}).",
        "「损失函数」页面({loss})对 n ≥ 2 个分量取平均,所以链接把 (t, a) = ({t}, {a}) "
        "输入两次:那里的 L = {value} 与本神经元相同,每个分量的梯度 {each} 是这里 "
        "∂L/∂a = {dl_da} 的一半(a 被使用两次:两份相加)。[在那里打开]({url})。"),
    "bp.alt_graph": (
        "Computation graph of one neuron at step {step}: leaves x, w, b, t on the left, the loss "
        "L on the right; each edge labelled with local × upstream = contribution once "
        "backprop has passed it.",
        "单个神经元的计算图,当前步骤 {step}:左边是叶子节点 x、w、b、t,右边是损失 L;"
        "反向传播经过的每条边都标有 局部导数 × 上游梯度 = 贡献。"),
    "bp.legend": (
        "Grey: not computed yet. Blue: value known (forward). Orange: gradient passed back; "
        "the thick edges and ring are this step. A green ring on a leaf: its gradient passes the "
        "central-difference check; red: it fails. “…” marks a sum still waiting for a share.",
        "灰色:尚未计算。蓝色:取值已知(前向)。橙色:梯度已传回;粗线与粗边框表示当前步骤。"
        "叶子节点的绿色边框:其梯度通过中心差分检验;红色:未通过。“…”表示求和还在等待某一份。"),
    "bp.saturated": (
        "With these inputs the sigmoid rounds to 0 or 1, where log a or log(1 − a) is −∞: move "
        "the weights or inputs towards 0.",
        "在这些输入下 sigmoid 舍入为 0 或 1,此时 log a 或 log(1 − a) 为 −∞:"
        "请把权重或输入调向 0。"),
    "bp.source_title": ("The code", "代码"),
    "bp.source_intro": (
        "The graph above is built and backpropagated by this code, read from the running source: "
        "every node records ∂(node)/∂(parent), and backprop_graph walks the nodes from L back, "
        "adding local × upstream into each parent.",
        "上面的计算图由下面的代码构建并反向传播(直接读取正在运行的源代码):"
        "每个节点记录 ∂(节点)/∂(父节点),backprop_graph 从 L 开始倒序遍历节点,"
        "把「局部导数 × 上游梯度」累加到每个父节点上。"),

    # --- a small network and its bugs ----------------------------------------------------------
    "bpn.title": ("Backprop in a network", "网络中的反向传播"),
    "bpn.intro": (
        "A small fully connected network on one example x: the forward pass computes z_l and "
        "a_l layer by layer, the backward pass the error δ_l = ∂ℓ/∂z_l of every neuron, from "
        "the output back, and from it each weight's gradient ∂L/∂W_l = δ_l a_(l−1)ᵀ. Every "
        "gradient is checked against a central difference of L in that one weight.",
        "一个小型全连接网络作用在一个样本 x 上:前向传播逐层计算 z_l 与 a_l,反向传播从输出往回"
        "计算每个神经元的误差 δ_l = ∂ℓ/∂z_l,再由它得到每个权重的梯度 ∂L/∂W_l = δ_l a_(l−1)ᵀ。"
        "每个梯度都与只移动该权重时 L 的中心差分对照检验。"),
    "bpn.layers": ("Hidden layers", "隐藏层数"),
    "bpn.width": ("Neurons per hidden layer", "每个隐藏层的神经元数"),
    "bpn.activation": ("Hidden activation f", "隐藏层激活函数 f"),
    "bpn.loss": ("Loss (3 classes)", "损失函数(3 个类别)"),
    "bpn.output.cross_entropy": (
        "Softmax output s = softmax(z_L), cross-entropy on s: δ_L = Jᵀ ∂ℓ/∂s, written out below.",
        "softmax 输出 s = softmax(z_L),在 s 上计算交叉熵:δ_L = Jᵀ ∂ℓ/∂s,下面逐项写出。"),
    "bpn.output.softmax_cross_entropy": (
        "Linear output (logits z_L); the loss applies the softmax itself, so δ_L = (s − y)/n in "
        "one step.",
        "线性输出(logits z_L);损失函数自己做 softmax,所以一步得到 δ_L = (s − y)/n。"),
    "bpn.output.mse": ("Linear output ŷ = z_L against the one-hot target: δ_L = ∂ℓ/∂ŷ.",
                       "线性输出 ŷ = z_L,与 one-hot 目标比较:δ_L = ∂ℓ/∂ŷ。"),
    "bpn.seed": ("Weight seed", "权重随机种子"),
    "bpn.class": ("Target class (of 3)", "目标类别(共 3 类)"),
    "bpn.layer_input": ("input x", "输入 x"),
    "bpn.layer_hidden": ("hidden δ{l}", "隐藏层 δ{l}"),
    "bpn.layer_output": ("output δ{l}", "输出层 δ{l}"),
    "bpn.alt_diagram": (
        "Network {sizes}: each neuron coloured and labelled with its δ, each weight drawn "
        "thicker the larger its gradient, blue where ∂L/∂W > 0 and red where it is < 0.",
        "网络 {sizes}:每个神经元按其 δ 着色并标注数值,每个权重的梯度越大线越粗,"
        "∂L/∂W > 0 为蓝色,< 0 为红色。"),
    "bpn.diagram_caption": (
        "Neurons: δ = ∂ℓ/∂z (colour and number; the inputs show x). Weights: line width "
        "∝ |∂L/∂W|, blue positive, red negative; hover a weight's middle for its value. A weight "
        "from a neuron with a = 0 (a dead ReLU) gets no gradient: δ_l a_(l−1)ᵀ is 0 there.",
        "神经元:δ = ∂ℓ/∂z(颜色与数字;输入层显示 x)。权重:线宽 ∝ |∂L/∂W|,蓝色为正,"
        "红色为负;把鼠标移到权重中点可看数值。来自 a = 0 的神经元(死亡的 ReLU)的权重"
        "没有梯度:那里 δ_l a_(l−1)ᵀ 为 0。"),
    "bpn.check_title": ("Backprop against central differences", "反向传播与中心差分对照"),
    "bpn.col_param": ("parameter", "参数"),
    "bpn.col_shape": ("shape", "形状"),
    "bpn.col_worst": ("largest relative error", "最大相对误差"),
    "bpn.check_verdict": (
        "Backprop {verdict} the check at tolerance {tol} (the worst entry: {worst}). Central "
        "differences with the core's default step, each entry moved alone.",
        "反向传播 {verdict} 容差为 {tol} 的检验(最差的分量:{worst})。中心差分使用核心库"
        "默认步长,每次只移动一个分量。"),
    "bpn.pass": (":green[**passes**]", ":green[**通过**]"),
    "bpn.fail": (":red[**fails**]", ":red[**未通过**]"),
    "bpn.loss_value": ("Loss L = {loss}", "损失 L = {loss}"),
    "bpn.entries": ("Every entry: backprop beside the central difference",
                    "每个分量:反向传播与中心差分并列"),
    "bpn.col_entry": ("entry", "分量"),
    "bpn.col_backprop": ("backprop ∂L/∂θ", "反向传播 ∂L/∂θ"),
    "bpn.col_central": ("central difference", "中心差分"),
    "bpn.softmax_title": ("The output step: Jᵀ ∂ℓ/∂s", "输出层这一步:Jᵀ ∂ℓ/∂s"),
    "bpn.softmax_none": (
        "With MSE the output is linear, ŷ = z_L, so ∂ŷ/∂z_L = I and δ_L = ∂ℓ/∂ŷ: there is no "
        "softmax step. Pick a cross-entropy loss to see it.",
        "使用 MSE 时输出是线性的,ŷ = z_L,所以 ∂ŷ/∂z_L = I,δ_L = ∂ℓ/∂ŷ:没有 softmax 这一步。"
        "选择交叉熵损失即可看到它。"),
    "bpn.softmax_intro.cross_entropy": (
        "The output is s = softmax(z_L) and the loss is cross-entropy on s, so the chain rule "
        "goes through the softmax's Jacobian: δ_L = Jᵀ ∂ℓ/∂s. The backward pass computes it as "
        "a vector-Jacobian product without forming J; here J is formed and multiplied out, and "
        "both equal the famous shortcut (s − y)/n.",
        "输出是 s = softmax(z_L),损失是 s 上的交叉熵,所以链式法则要经过 softmax 的雅可比矩阵:"
        "δ_L = Jᵀ ∂ℓ/∂s。反向传播用向量-雅可比积计算它而不构造 J;这里把 J 构造出来并乘开,"
        "两者都等于著名的简化式 (s − y)/n。"),
    "bpn.softmax_intro.softmax_cross_entropy": (
        "The loss takes the logits z_L and applies the softmax itself, so the backward pass "
        "uses its gradient with respect to z_L, (s − y)/n, directly. Written out through the "
        "softmax it is the same thing: cross-entropy on s = softmax(z_L), then Jᵀ ∂ℓ/∂s.",
        "损失函数直接接收 logits z_L 并自己做 softmax,所以反向传播直接用它对 z_L 的梯度 "
        "(s − y)/n。经由 softmax 写开也是同一个结果:先在 s = softmax(z_L) 上算交叉熵,再乘 Jᵀ ∂ℓ/∂s。"),
    "bpn.col_fused": ("δ_L (backward)", "δ_L(反向传播)"),
    "bpn.col_quantity": ("quantity", "量"),
    "bpn.softmax_agree": (
        "Largest |Jᵀ ∂ℓ/∂s − δ_L| over the outputs: {diff} (rounding only).",
        "各输出上 |Jᵀ ∂ℓ/∂s − δ_L| 的最大值:{diff}(只是舍入误差)。"),
    "bpn.softmax_link": (
        "The same J and Jᵀv with v = ∂ℓ/∂s on the Softmax page: [open it there]({url}).",
        "在「Softmax 雅可比矩阵」页面上查看同一个 J,以及 v = ∂ℓ/∂s 时的 Jᵀv:[在那里打开]({url})。"),
    "bpn.softmax_link_z": (
        "The same logits and J on the Softmax page (∂ℓ/∂s is beyond its v sliders' ±5 here): "
        "[open it there]({url}).",
        "在「Softmax 雅可比矩阵」页面上查看同样的 logits 与 J(这里 ∂ℓ/∂s 超出了那里 v 滑块的 ±5):"
        "[在那里打开]({url})。"),
    "bpn.jacobian_open": ("J = diag(s) − s sᵀ as a heatmap", "J = diag(s) − s sᵀ 的热图"),
    "bpn.alt_jacobian": (
        "Heatmap of the softmax Jacobian J = diag(s) − s sᵀ at the output logits, each cell "
        "labelled with its value.",
        "输出 logits 处 softmax 雅可比矩阵 J = diag(s) − s sᵀ 的热图,每个格子标有数值。"),
    "bpn.bugs_title": ("Bugs to find", "找出 bug"),
    "bpn.bugs_intro": (
        "Each planted bug is a copy of the correct code with one line changed. Every one of them "
        "runs without an error and returns gradients of the right shapes; only the gradient "
        "check tells. The backward-pass bugs run on a network with two hidden layers of {width} "
        "neurons (W₂ square, so W in place of Wᵀ type-checks), with the activation, loss and seed "
        "above, on the example x = ({x}) of class {k}; the fan-out bug on the neuron of "
        "Backprop, node by node.",
        "每个预置的 bug 都是正确代码改动一行后的副本。它们都能顺利运行、返回形状正确的梯度;"
        "只有梯度检验能发现问题。反向传播类的 bug 运行在两个隐藏层、每层 {width} 个神经元的网络上"
        "(W₂ 是方阵,所以用 W 代替 Wᵀ 也能通过形状检查),使用上面的激活函数、损失和种子,"
        "样本为 x = ({x})、类别 {k};"
        "扇出 bug 运行在「反向传播:逐个节点」的那个神经元上。"),
    "bpn.col_bug": ("bug", "bug"),
    "bpn.col_where": ("where", "位置"),
    "bpn.col_correct": ("correct code: worst relative error", "正确代码:最大相对误差"),
    "bpn.col_buggy": ("planted bug: worst relative error", "预置 bug:最大相对误差"),
    "bpn.kind.backward": ("backward pass", "反向传播"),
    "bpn.kind.trainer": ("training loop", "训练循环"),
    "bpn.kind.neuron_graph": ("computation graph", "计算图"),
    "bpn.bug.forgets_fprime": ("forgets f′(z)", "漏掉 f′(z)"),
    "bpn.bug.w_not_transposed": ("W instead of Wᵀ", "用 W 代替 Wᵀ"),
    "bpn.bug.never_zeroes": ("never zeroes the gradient", "梯度从不清零"),
    "bpn.bug.fan_out_overwritten": ("fan-out overwritten", "扇出被覆盖"),
    "bpn.bug_pick": ("Look at one bug", "查看一个 bug"),
    "bpn.rule_broken": ("**The rule it breaks:**", "**它违反的规则:**"),
    "bpn.rule.forgets_fprime": (
        BACKPROP_BUGS["forgets_fprime"].rule,
        "反向穿过隐藏层时,δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ f′(z_l):必须乘上激活函数的斜率。"
        "漏掉 f′(z_l) 等于把激活函数当成恒等函数;只有在 f′ 恰好为 1 的地方梯度才是对的。"),
    "bpn.rule.w_not_transposed": (
        BACKPROP_BUGS["w_not_transposed"].rule,
        "误差经由转置往回传:δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ f′(z_l)。直接用 W_{l+1} 只有在它是方阵时"
        "形状才对得上,所以在方阵层里只有梯度检验能发现它(其他层的形状会直接报错,"
        "这个版本在那里仍保留 Wᵀ)。它需要某个隐藏层 l 满足 n_l = n_(l+1)。"),
    "bpn.rule.never_zeroes": (
        BACKPROP_BUGS["never_zeroes"].rule,
        "一步的梯度不能带进下一步:训练器若把每步的梯度累加进缓冲区却从不清零,第 2 步报告的是 "
        "g1 + g2,而当前参数处的梯度只是 g2。"),
    "bpn.rule.fan_out_overwritten": (
        BACKPROP_BUGS["fan_out_overwritten"].rule,
        "被多个节点使用的节点(r·r 中的 r,二元交叉熵两个 log 中的 a)得到沿其所有使用路径"
        "传回的梯度之和。把每份贡献赋值而不是累加,只会留下最后一份。"),
    "bpn.on_network": ("Checked on the network {sizes}.", "在网络 {sizes} 上检验。"),
    "bpn.on_neuron": (
        "Checked on the neuron of Backprop, node by node (its default inputs, MSE, this "
        "activation): each leaf's gradient against a central difference.",
        "在「反向传播:逐个节点」的神经元上检验(默认输入、MSE、当前激活函数):"
        "每个叶子节点的梯度与中心差分对照。"),
    "bpn.changed_line": ("The changed line, read from the running source:",
                         "改动的那一行(读取自正在运行的源代码):"),
    "bpn.bug_hidden": (
        "Here the planted bug passes the check: at this input the broken rule happens not to "
        "change the numbers (for example every hidden ReLU is active, so f′ = 1 everywhere). "
        "Move x, change the seed or the activation, and it shows.",
        "在这里预置的 bug 通过了检验:在这个输入下,被违反的规则恰好没有改变数值"
        "(例如所有隐藏层 ReLU 都处于激活状态,f′ 处处为 1)。移动 x、换一个种子或激活函数,它就会暴露。"),
    "bpn.bug_caught": (
        "Caught: the planted bug's gradients are off by a relative error of up to {rel}, far "
        "above the tolerance, while the correct code passes.",
        "抓到了:预置 bug 的梯度相对误差高达 {rel},远超容差,而正确代码通过检验。"),
    "bpn.code_correct": ("**Correct**", "**正确**"),
    "bpn.code_buggy": ("**With the bug**", "**含 bug**"),
    "bpn.source_title": ("The backward pass that runs", "实际运行的反向传播"),

    # --- vanishing and exploding gradients -----------------------------------------------------
    "bpd.title": ("Vanishing and exploding gradients", "梯度消失与梯度爆炸"),
    "bpd.intro": (
        "On its way from the output back to the first layer, δ is multiplied once per layer by "
        "Wᵀ and by f′(z). If those factors are smaller than 1 on average, the gradient shrinks "
        "geometrically and the first layers stop learning (vanishing); larger than 1, it grows "
        "geometrically (exploding). The chart measures ‖δ_l‖ in a deep, equally wide MLP for "
        "each of five weight seeds.",
        "从输出层往回传到第一层的过程中,δ 每经过一层都要乘以 Wᵀ 和 f′(z)。如果这些因子平均小于 1,"
        "梯度就按几何级数缩小,前面的层几乎学不到东西(梯度消失);大于 1 则按几何级数增长"
        "(梯度爆炸)。下图在一个每层等宽的深层 MLP 中,对五个权重随机种子分别测量 ‖δ_l‖。"),
    "bpd.presets": ("**The classic cases:**", "**经典情形:**"),
    "bpd.preset.sigmoid_normal": ("Sigmoid + N(0, 1): vanishes", "Sigmoid + N(0, 1):消失"),
    "bpd.preset.relu_he": ("ReLU + He: holds", "ReLU + He:保持"),
    "bpd.preset.tanh_large": ("tanh + N(0, 2²): explodes", "tanh + N(0, 2²):爆炸"),
    "bpd.preset.selu_lecun": ("SELU + LeCun: self-normalises", "SELU + LeCun:自归一化"),
    "bpd.depth": ("Depth L (weight layers)", "深度 L(权重层数)"),
    "bpd.width": ("Width (neurons per layer)", "宽度(每层神经元数)"),
    "bpd.activation": ("Activation f", "激活函数 f"),
    "bpd.init": ("Initialisation", "初始化方式"),
    "bpd.setup": (
        "MSE on a linear output, x and y ~ N(0, 1), a batch of {batch}, {seeds} weight seeds. "
        "‖δ_l‖ is the root mean square over the batch of each example's ‖δ_l‖₂.",
        "线性输出上的 MSE,x 与 y ~ N(0, 1),批大小 {batch},{seeds} 个权重随机种子。"
        "‖δ_l‖ 是批内每个样本 ‖δ_l‖₂ 的均方根。"),
    "bpd.chart": ("‖δ<sub>l</sub>‖ per layer: {act}, {init}, L = {L}, width {width}",
                  "每层的 ‖δ<sub>l</sub>‖:{act},{init},L = {L},宽度 {width}"),
    "bpd.x": ("layer l (1 = next to the input)", "层 l(1 = 紧挨输入层)"),
    "bpd.seed_lines": ("each seed", "每个种子"),
    "bpd.mean_line": ("mean over the seeds", "各种子的平均"),
    "bpd.bound_line": ("σ′ ≤ 1/4 alone: ‖δ<sub>L</sub>‖·0.25<sup>L−l</sup>",
                       "仅 σ′ ≤ 1/4:‖δ<sub>L</sub>‖·0.25<sup>L−l</sup>"),
    "bpd.alt_chart": (
        "Line chart on a log scale of the gradient size ‖δ_l‖ against the layer l = 1 … {L}: "
        "one thin line per seed, a thick line for their mean; the text below says what it shows.",
        "对数坐标折线图:梯度大小 ‖δ_l‖ 随层 l = 1 … {L} 的变化;每个种子一条细线,粗线为平均值;"
        "下面的文字说明图中显示的内容。"),
    "bpd.words.single": (
        "With one layer there is only δ₁ = δ_L: nothing multiplies it on the way down. Add "
        "layers to see the product shrink or grow.",
        "只有一层时只有 δ₁ = δ_L:往回传时没有任何因子相乘。增加层数即可看到乘积缩小或增长。"),
    "bpd.words.vanishes": (
        "From the output layer (l = {L}) back to the first, the mean ‖δ‖ falls from {top} to "
        "{bottom}, a factor of {ratio}: about ×{per_layer} per layer. The gradient **vanishes**: "
        "the first layer's gradient is {inverse} times smaller than the last one's, so with one "
        "learning rate for all layers the first ones barely move.",
        "从输出层(l = {L})往回到第一层,平均 ‖δ‖ 从 {top} 降到 {bottom},缩小为 {ratio} 倍:"
        "每层约 ×{per_layer}。梯度**消失**:第一层的梯度比最后一层小 {inverse} 倍,"
        "所以在所有层共用一个学习率时,前面的层几乎不动。"),
    "bpd.words.explodes": (
        "From the output layer (l = {L}) back to the first, the mean ‖δ‖ grows from {top} to "
        "{bottom}, a factor of {ratio}: about ×{per_layer} per layer. The gradient **explodes**: "
        "a learning rate small enough for the first layers is far too small for the last, and "
        "one that suits the last throws the first ones off.",
        "从输出层(l = {L})往回到第一层,平均 ‖δ‖ 从 {top} 增长到 {bottom},放大了 {ratio} 倍:"
        "每层约 ×{per_layer}。梯度**爆炸**:对前面的层足够小的学习率对最后几层太小,"
        "适合最后几层的学习率又会让前面的层失控。"),
    "bpd.words.holds": (
        "From the output layer (l = {L}) back to the first, the mean ‖δ‖ goes from {top} to "
        "{bottom}, a factor of {ratio} (×{per_layer} per layer), within a factor of 100 either "
        "way. The gradient **holds** its size through the depth: on average each layer's "
        "factor Wᵀ·f′ is close to 1.",
        "从输出层(l = {L})往回到第一层,平均 ‖δ‖ 从 {top} 变为 {bottom},变化 {ratio} 倍"
        "(每层 ×{per_layer}),在 100 倍以内。梯度在整个深度上**保持**大小:"
        "平均而言每层的因子 Wᵀ·f′ 接近 1。"),
    "bpd.words.spread": (
        "Across the {seeds} seeds, ‖δ₁‖ varies by {spread} of its mean (standard deviation / "
        "mean).",
        "在 {seeds} 个种子之间,‖δ₁‖ 的波动为其平均值的 {spread}(标准差 / 平均值)。"),
    "bpd.words.bound_above": (
        "The sigmoid's slope is at most 1/4, so its f′ factors alone would shrink δ to {bound} "
        "at layer 1 (the dashed line); the measured ‖δ₁‖ stays above it because the weights' "
        "factor Wᵀ is larger than 1 here.",
        "sigmoid 的斜率至多为 1/4,仅它的 f′ 因子就会让 δ 在第 1 层缩小到 {bound}(虚线);"
        "实测的 ‖δ₁‖ 高于它,因为这里权重的因子 Wᵀ 大于 1。"),
    "bpd.words.bound_below": (
        "The sigmoid's slope is at most 1/4, so its f′ factors alone would shrink δ to {bound} "
        "at layer 1 (the dashed line); the measured ‖δ₁‖ is smaller still: the weights' factor "
        "Wᵀ shrinks it further.",
        "sigmoid 的斜率至多为 1/4,仅它的 f′ 因子就会让 δ 在第 1 层缩小到 {bound}(虚线);"
        "实测的 ‖δ₁‖ 更小:权重的因子 Wᵀ 让它进一步缩小。"),
    "bpd.table": ("The numbers, layer by layer", "逐层数值"),
    "bpd.col_mean": ("mean ‖δ_l‖", "平均 ‖δ_l‖"),
    "bpd.col_std": ("std over seeds", "种子间标准差"),
    "bpd.col_weights": ("mean ‖∂L/∂W_l‖", "平均 ‖∂L/∂W_l‖"),
    "bpd.source_title": ("The code that measures it", "测量它的代码"),

    # --- train it ------------------------------------------------------------------------------
    "bpt.title": ("Train a network", "训练一个网络"),
    "bpt.intro": (
        "A small MLP learns to separate two classes of points by full-batch gradient descent, "
        "θ ← θ − η·∂L/∂θ, with the gradients of the backward pass on the other pages. Take one "
        "step or many and watch the loss fall, the decision regions take shape and each layer's "
        "gradient norm change.",
        "一个小型 MLP 通过全批量梯度下降 θ ← θ − η·∂L/∂θ 学习把两类点分开,"
        "所用梯度正是其他页面上的反向传播。走一步或走很多步,观察损失下降、决策区域成形,"
        "以及每一层梯度范数的变化。"),
    "bpt.dataset": ("Dataset", "数据集"),
    "bpt.data.moons": ("two moons", "双月形"),
    "bpt.data.circles": ("circles", "同心圆"),
    "bpt.data.spirals": ("spirals", "双螺旋"),
    "bpt.data.xor": ("XOR", "异或"),
    "bpt.activation": ("Activation f", "激活函数 f"),
    "bpt.layers": ("Hidden layers", "隐藏层数"),
    "bpt.width": ("Neurons per hidden layer", "每个隐藏层的神经元数"),
    "bpt.seed": ("Weight seed", "权重随机种子"),
    "bpt.lr": ("Learning rate η", "学习率 η"),
    "bpt.run_size": ("Steps per run", "每次运行的步数"),
    "bpt.setup": (
        "{points} points with noise 0.1, softmax cross-entropy on 2 logits, Xavier weights. "
        "A run stops at {max} steps.",
        "{points} 个点,噪声 0.1,在 2 个 logits 上用 softmax 交叉熵,Xavier 初始化权重。"
        "一次训练最多 {max} 步。"),
    "bpt.step": ("Step", "走一步"),
    "bpt.run": ("Run {n} steps", "运行 {n} 步"),
    "bpt.reset": ("Reset", "重置"),
    "bpt.status": ("Step **{steps}** · L = **{loss}** · accuracy **{accuracy}**",
                   "第 **{steps}** 步 · L = **{loss}** · 准确率 **{accuracy}**"),
    "bpt.full": ("This run has reached {max} steps, the most one run keeps. Reset to start again.",
                 "本次训练已达到 {max} 步,这是一次训练保留的上限。请重置后重新开始。"),
    "bpt.mixed_rates": (
        "This run used several learning rates ({rates}); a link to it replays all its steps at "
        "the current one.",
        "本次训练用过多个学习率({rates});指向它的链接会用当前学习率重放全部步数。"),
    "bpt.replayed": ("This link trained the network {steps} steps at η = {lr} as it opened.",
                     "打开此链接时已按 η = {lr} 训练网络 {steps} 步。"),
    "bpt.class": ("class {k}", "类别 {k}"),
    "bpt.regions": ("Decision regions: P(class 1)", "决策区域:P(类别 1)"),
    "bpt.steps_axis": ("step", "步数"),
    "bpt.alt_regions": (
        "Heatmap of the network's probability of class 1 over the plane after {steps} steps, "
        "with the training points of both classes on top.",
        "训练 {steps} 步后,网络在平面上预测为类别 1 的概率热图,上面叠加两类训练点。"),
    "bpt.alt_curves": (
        "Two line charts over {steps} steps, log scale: the loss L, and the norm of each "
        "layer's weight gradient.",
        "两个折线图,共 {steps} 步,对数坐标:损失 L,以及每一层权重梯度的范数。"),
    "bpt.curves_empty": (
        "**No steps yet.** Press *Step* or *Run* and the loss after each step is drawn here, "
        "with each layer's gradient norm ‖∂L/⁠∂Wₗ‖ below it. Before training the loss is {loss}.",
        "**还没有训练。** 按「走一步」或「运行」后,这里会画出每一步之后的损失,下面是每一层的梯度范数 "
        "‖∂L/⁠∂Wₗ‖。训练前的损失是 {loss}。"),
    "bpt.curves_caption": (
        "Top: the loss after each step. Bottom: ‖∂L/∂W_l‖ of the gradient each step used, one "
        "line per layer (W₁ next to the input). The region map is white where the network is "
        "undecided (P = 0.5): its decision boundary.",
        "上:每步之后的损失。下:每一步所用梯度的 ‖∂L/∂W_l‖,每层一条线(W₁ 紧挨输入层)。"
        "区域图中白色表示网络拿不定主意(P = 0.5):即它的决策边界。"),
    "bpt.source_title": ("The step that runs", "实际运行的一步"),
    "bpt.source_intro": (
        "The page's step is the core's train_step with the per-layer gradient norms kept: the "
        "same trace, the same update.",
        "本页的一步就是核心库的 train_step,只是另外保留了每层的梯度范数:同样的 trace,同样的更新。"),
}
