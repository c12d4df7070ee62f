<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>BackendChoice</name>
    <message>
        <location filename="../../gui/widgets/backend_choice.py" line="36"/>
        <source>ONNX 4-bit</source>
        <extracomment>(value, label) of every backend, in the order offered backends a page may add to its own combo: generate&apos;s 4-bit path converts on first use, with no export</extracomment>
        <translation>ONNX 4 位</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/backend_choice.py" line="58"/>
        <source>The engine that runs this model, remembered per model; ONNX needs an export</source>
        <translation>运行此模型的推理引擎，按模型分别记住；ONNX 需要先导出</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/backend_choice.py" line="59"/>
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/backend_choice.py" line="60"/>
        <source>Export this model to ONNX (fp32 and INT8) and check it against PyTorch</source>
        <translation>将此模型导出为 ONNX（fp32 和 INT8），并与 PyTorch 的结果核对</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/backend_choice.py" line="61"/>
        <source>Use ONNX fp32</source>
        <translation>改用 ONNX fp32</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/backend_choice.py" line="62"/>
        <source>fp32 keeps every node of the export on the GPU</source>
        <translation>fp32 让导出模型的每个节点都在 GPU 上运行</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/backend_choice.py" line="128"/>
        <source>the model</source>
        <translation>该模型</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/backend_choice.py" line="131"/>
        <source>{0} · converted once on first use and kept in the app&apos;s data folder</source>
        <translation>{0} · 首次使用时转换一次，保存在应用的数据文件夹中</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/backend_choice.py" line="140"/>
        <source>{0} has no {1} export yet: Export… makes it, or choose PyTorch.</source>
        <translation>{0} 还没有 {1} 导出：点击“导出…”生成，或选择 PyTorch。</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/backend_choice.py" line="144"/>
        <source>{0} · on this GPU: {1}</source>
        <translation>{0} · 在此 GPU 上：{1}</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/backend_choice.py" line="147"/>
        <source>{0} · vs PyTorch: {1}</source>
        <translation>{0} · 与 PyTorch 相比：{1}</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/backend_choice.py" line="183"/>
        <source>Exported. {0}</source>
        <translation>已导出。{0}</translation>
    </message>
</context>
<context>
    <name>CatalogueView</name>
    <message>
        <location filename="../../gui/catalogue_view.py" line="29"/>
        <source>All tasks</source>
        <translation>全部任务</translation>
    </message>
    <message>
        <location filename="../../gui/catalogue_view.py" line="31"/>
        <source>classify</source>
        <extracomment>task names as the filter shows them</extracomment>
        <translation>分类</translation>
    </message>
    <message>
        <location filename="../../gui/catalogue_view.py" line="32"/>
        <source>generate</source>
        <translation>生成</translation>
    </message>
    <message>
        <location filename="../../gui/catalogue_view.py" line="33"/>
        <source>translate</source>
        <translation>翻译</translation>
    </message>
    <message>
        <location filename="../../gui/catalogue_view.py" line="34"/>
        <source>transcribe</source>
        <translation>语音转写</translation>
    </message>
    <message>
        <location filename="../../gui/catalogue_view.py" line="35"/>
        <source>faces</source>
        <translation>人脸</translation>
    </message>
    <message>
        <location filename="../../gui/catalogue_view.py" line="48"/>
        <source>This machine: checking…</source>
        <translation>本机：正在检测…</translation>
    </message>
    <message>
        <location filename="../../gui/catalogue_view.py" line="50"/>
        <location filename="../../gui/catalogue_view.py" line="157"/>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <location filename="../../gui/catalogue_view.py" line="51"/>
        <source>Download the selected model (a stopped download resumes)</source>
        <translation>下载所选模型（中断的下载会接着继续）</translation>
    </message>
    <message>
        <location filename="../../gui/catalogue_view.py" line="52"/>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location filename="../../gui/catalogue_view.py" line="53"/>
        <source>Stop the selected model&apos;s download; what arrived is kept</source>
        <translation>停止所选模型的下载；已下载的部分会保留</translation>
    </message>
    <message>
        <location filename="../../gui/catalogue_view.py" line="55"/>
        <source>Show:</source>
        <translation>显示：</translation>
    </message>
    <message>
        <location filename="../../gui/catalogue_view.py" line="96"/>
        <source>no CUDA GPU</source>
        <translation>没有 CUDA GPU</translation>
    </message>
    <message>
        <location filename="../../gui/catalogue_view.py" line="96"/>
        <source>{0} with {1}</source>
        <translation>{0}，显存 {1}</translation>
    </message>
    <message>
        <location filename="../../gui/catalogue_view.py" line="97"/>
        <source>This machine: {0} RAM, {1}</source>
        <translation>本机：内存 {0}，{1}</translation>
    </message>
    <message>
        <location filename="../../gui/catalogue_view.py" line="118"/>
        <source>Starting…</source>
        <translation>正在开始…</translation>
    </message>
    <message>
        <location filename="../../gui/catalogue_view.py" line="124"/>
        <source>Installed</source>
        <translation>已安装</translation>
    </message>
    <message>
        <location filename="../../gui/catalogue_view.py" line="143"/>
        <source>Select a model in the catalogue to download.</source>
        <translation>请在模型目录中选择要下载的模型。</translation>
    </message>
    <message>
        <location filename="../../gui/catalogue_view.py" line="157"/>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
</context>
<context>
    <name>ClassifyPanel</name>
    <message>
        <location filename="../../gui/panels/classify.py" line="189"/>
        <source>Predict</source>
        <translation>预测</translation>
    </message>
    <message>
        <location filename="../../gui/panels/classify.py" line="190"/>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <location filename="../../gui/panels/classify.py" line="193"/>
        <source>Train</source>
        <translation>训练</translation>
    </message>
    <message>
        <location filename="../../gui/panels/classify.py" line="194"/>
        <source>Evaluate</source>
        <translation>评估</translation>
    </message>
    <message>
        <location filename="../../gui/panels/classify.py" line="196"/>
        <source>Compress</source>
        <translation>压缩</translation>
    </message>
</context>
<context>
    <name>CompressTab</name>
    <message>
        <location filename="../../gui/panels/compress.py" line="29"/>
        <source>Distil into fewer layers</source>
        <translation>蒸馏为更少的层</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="30"/>
        <source>Prune heads and FFN neurons</source>
        <translation>剪枝注意力头和 FFN 神经元</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="57"/>
        <source>Teacher:</source>
        <translation>教师模型：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="59"/>
        <source>a held-out labelled file: the teacher and the result are measured on it (never trained on)</source>
        <translation>留出的带标签文件：在它上面测量教师模型和压缩结果（从不用于训练）</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="62"/>
        <source>name of the smaller classifier, e.g. support-tickets-2l</source>
        <translation>较小分类器的名称，例如 support-tickets-2l</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="63"/>
        <source>Replace a model of that name</source>
        <translation>替换同名模型</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="64"/>
        <source>Training file:</source>
        <translation>训练集文件：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="65"/>
        <source>Evaluation file:</source>
        <translation>评估集文件：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="66"/>
        <source>New model:</source>
        <translation>新模型：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="72"/>
        <source>layers of the student, taken from the teacher&apos;s</source>
        <translation>学生模型的层数，取自教师模型的层</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="74"/>
        <source>evenly spread (last included)</source>
        <translation>均匀分布（含最后一层）</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="75"/>
        <source>the first N</source>
        <translation>前 N 层</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="76"/>
        <source>share of all attention heads removed (least important first)</source>
        <translation>移除的注意力头占全部注意力头的比例（先移除最不重要的）</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="77"/>
        <source>share of all FFN neurons removed (least important first)</source>
        <translation>移除的 FFN 神经元占全部神经元的比例（先移除最不重要的）</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="79"/>
        <source>Student layers:</source>
        <translation>学生模型层数：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="79"/>
        <source>Start from:</source>
        <translation>取层方式：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="80"/>
        <source>Head sparsity:</source>
        <translation>注意力头稀疏度：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="80"/>
        <source>FFN sparsity:</source>
        <translation>FFN 稀疏度：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="88"/>
        <source>softmax temperature of the teacher&apos;s soft targets</source>
        <translation>教师模型软标签的 softmax 温度</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="89"/>
        <source>weight of the soft targets; the labels weigh 1 - this</source>
        <translation>软标签的权重；真实标签的权重为 1 减去此值</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="90"/>
        <source>weight of matching the teacher&apos;s hidden states (0: off)</source>
        <translation>匹配教师模型隐藏状态的权重（0：关闭）</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="91"/>
        <source>maximum passes over the training data (pruning: the recovery fine-tune)</source>
        <translation>遍历训练数据的最多轮数（剪枝时：用于恢复的微调）</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="92"/>
        <source>peak learning rate of AdamW</source>
        <translation>AdamW 的峰值学习率</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="93"/>
        <source>examples per batch</source>
        <translation>每批样本数</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="94"/>
        <source>tokens per text; longer texts are truncated</source>
        <translation>每条文本的词元数；更长的文本会被截断</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="95"/>
        <source>epochs without improvement before stopping early (0: never)</source>
        <translation>连续多少轮没有提升就提前停止（0：从不）</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="96"/>
        <source>Export to ONNX + INT8 and measure it too</source>
        <translation>同时导出为 ONNX + INT8 并测量</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="98"/>
        <source>Compression settings</source>
        <translation>压缩设置</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="101"/>
        <source>Method:</source>
        <translation>方法：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="103"/>
        <source>Temperature:</source>
        <translation>温度：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="103"/>
        <source>Soft-target weight:</source>
        <translation>软标签权重：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="104"/>
        <source>Hidden-state weight:</source>
        <translation>隐藏状态权重：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="106"/>
        <source>Epochs:</source>
        <translation>训练轮数：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="106"/>
        <source>Learning rate:</source>
        <translation>学习率：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="106"/>
        <source>Batch size:</source>
        <translation>批大小：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="107"/>
        <source>Max length:</source>
        <translation>最大长度：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="107"/>
        <source>Early-stop patience:</source>
        <translation>早停耐心值：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="114"/>
        <source>Measure the chosen model</source>
        <translation>测量所选模型</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="115"/>
        <source>Add the chosen classifier (torch, and INT8 if exported) to the trade-off view, measured on the evaluation file</source>
        <translation>将所选分类器（torch 版，若已导出则含 INT8 版）加入权衡视图，在评估集文件上测量</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="130"/>
        <source>Compressing into {0}</source>
        <translation>正在压缩为 {0}</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="135"/>
        <source>Choose a labelled training file first.</source>
        <translation>请先选择带标签的训练集文件。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="137"/>
        <source>Choose a held-out evaluation file to measure the models on.</source>
        <translation>请选择用于测量模型的留出评估集文件。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="140"/>
        <source>Give the smaller classifier a name.</source>
        <translation>请为较小的分类器命名。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="157"/>
        <source>Stopped before the first epoch ended: no model was saved.</source>
        <translation>在第一轮训练结束前已停止：没有保存模型。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="161"/>
        <source>Stopped: the best checkpoint so far (epoch {0}) is kept as &apos;{1}&apos;; nothing was measured.</source>
        <translation>已停止：目前最好的检查点（第 {0} 轮）已保存为“{1}”；没有进行测量。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="173"/>
        <source>Choose the evaluation file to measure the model on.</source>
        <translation>请选择用于测量模型的评估集文件。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="183"/>
        <source>{0} macro-F1 {1:.3f}, {2:.2f} ms at batch size 1, {3:.1f} MB</source>
        <translation>{0} 宏平均 F1 {1:.3f}，批大小为 1 时 {2:.2f} 毫秒，{3:.1f} MB</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="183"/>
        <source>Measured: </source>
        <translation>测量结果：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="184"/>
        <source>. See the Dashboard&apos;s Trade-off tab.</source>
        <translation>。详见仪表盘的“权衡”标签页。</translation>
    </message>
</context>
<context>
    <name>ContextMeter</name>
    <message>
        <location filename="../../gui/panels/generate_context.py" line="39"/>
        <source>Tokens the next prompt takes (your draft included) of the model&apos;s context</source>
        <translation>下一次提示词（含正在输入的内容）占用模型上下文的词元数</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate_context.py" line="61"/>
        <source>{0} tokens (context length unknown)</source>
        <translation>{0} 个词元（上下文长度未知）</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate_context.py" line="65"/>
        <source>{0} / {1} tokens</source>
        <translation>{0} / {1} 个词元</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate_context.py" line="67"/>
        <source> · over the context: the oldest turns will be dropped</source>
        <translation> · 超出上下文：将丢弃最早的几轮对话</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate_context.py" line="68"/>
        <source> · over the context: sending will stop and ask</source>
        <translation> · 超出上下文：发送时会暂停并询问</translation>
    </message>
</context>
<context>
    <name>CrashReporter</name>
    <message>
        <location filename="../../gui/crash_report.py" line="48"/>
        <source>Something went wrong: {0}</source>
        <translation>出错了：{0}</translation>
    </message>
    <message>
        <location filename="../../gui/crash_report.py" line="49"/>
        <source>ModelDesk keeps running, but what you were doing may not have finished. The details are in {0}.</source>
        <translation>ModelDesk 仍在运行，但刚才的操作可能没有完成。详细信息见 {0}。</translation>
    </message>
</context>
<context>
    <name>Dashboard</name>
    <message>
        <location filename="../../gui/dashboard.py" line="65"/>
        <source>&lt;h2&gt;Dashboard&lt;/h2&gt;</source>
        <translation>&lt;h2&gt;仪表盘&lt;/h2&gt;</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard.py" line="71"/>
        <source>Runs (click to show, tick to overlay):</source>
        <translation>运行记录（单击查看，勾选叠加）：</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard.py" line="77"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard.py" line="81"/>
        <source>No run yet: train or evaluate a classifier on the Classify page, or train a face generator on the Faces page.</source>
        <translation>还没有运行记录：请在“分类”页训练或评估分类器，或在“人脸”页训练人脸生成器。</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard.py" line="118"/>
        <source>Running: {0}</source>
        <translation>正在运行：{0}</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard.py" line="143"/>
        <source>done</source>
        <translation>完成</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard.py" line="144"/>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard.py" line="145"/>
        <source>failed ({0})</source>
        <translation>失败（{0}）</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard.py" line="180"/>
        <source>Run {0}</source>
        <translation>运行 {0}</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard.py" line="263"/>
        <source> · {0} examples · {1}</source>
        <translation> · {0} 个样本 · {1}</translation>
    </message>
</context>
<context>
    <name>DashboardPlots</name>
    <message>
        <location filename="../../gui/dashboard_plots.py" line="56"/>
        <source>Validation scores</source>
        <translation>验证集指标</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard_plots.py" line="64"/>
        <source>Training</source>
        <translation>训练</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard_plots.py" line="66"/>
        <source>false positive rate</source>
        <translation>假阳性率</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard_plots.py" line="66"/>
        <source>true positive rate</source>
        <translation>真阳性率</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard_plots.py" line="70"/>
        <source>ROC</source>
        <translation>ROC 曲线</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard_plots.py" line="71"/>
        <source>PR</source>
        <translation>PR 曲线</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard_plots.py" line="75"/>
        <source>Confusion matrix</source>
        <translation>混淆矩阵</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard_plots.py" line="67"/>
        <location filename="../../gui/dashboard_plots.py" line="88"/>
        <source>precision</source>
        <translation>精确率</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard_plots.py" line="55"/>
        <source>Loss</source>
        <extracomment>epoch-level metrics drawn on the scores plot and on the loss plot; other metrics are kept, not drawn a GAN&apos;s quality per epoch (KID and sliced Wasserstein distance, lower is better; variety, 1 is the training images&apos;), on a plot of its own what a past run adds when overlaid (more would bury the live curves): a classifier&apos;s validation loss and F1, a GAN&apos;s two losses, its KID and SWD trade-off marker per backend (colour: one per model)</extracomment>
        <translation>损失</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard_plots.py" line="55"/>
        <location filename="../../gui/dashboard_plots.py" line="56"/>
        <location filename="../../gui/dashboard_plots.py" line="59"/>
        <source>epoch</source>
        <translation>轮次</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard_plots.py" line="55"/>
        <source>loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard_plots.py" line="56"/>
        <source>score</source>
        <translation>得分</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard_plots.py" line="58"/>
        <source>Quality: KID and SWD (lower is better), variety (1: the data&apos;s)</source>
        <translation>质量：KID 和 SWD（越低越好），多样性（1 表示与训练数据相当）</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard_plots.py" line="59"/>
        <source>KID · SWD · variety</source>
        <translation>KID · SWD · 多样性</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard_plots.py" line="66"/>
        <source>ROC (one-vs-rest)</source>
        <translation>ROC（一对其余）</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard_plots.py" line="67"/>
        <location filename="../../gui/dashboard_plots.py" line="88"/>
        <source>recall</source>
        <translation>召回率</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard_plots.py" line="67"/>
        <source>Precision–recall</source>
        <translation>精确率–召回率</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard_plots.py" line="88"/>
        <source>AUC</source>
        <translation>AUC</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard_plots.py" line="88"/>
        <source>support</source>
        <translation>样本数</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard_plots.py" line="91"/>
        <source>Decision threshold (two classes)</source>
        <translation>决策阈值（二分类）</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard_plots.py" line="104"/>
        <source>Confusion</source>
        <translation>混淆矩阵</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard_plots.py" line="113"/>
        <source>Macro-F1 against latency at batch size 1</source>
        <translation>宏平均 F1 与批大小为 1 时延迟的关系</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard_plots.py" line="113"/>
        <source>latency (ms, median)</source>
        <translation>延迟（毫秒，中位数）</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard_plots.py" line="114"/>
        <source>Macro-F1 against size on disk</source>
        <translation>宏平均 F1 与磁盘占用的关系</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard_plots.py" line="114"/>
        <source>size (MB)</source>
        <translation>大小（MB）</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard_plots.py" line="119"/>
        <source>Variants (tick to plot):</source>
        <translation>模型变体（勾选以绘图）：</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard_plots.py" line="126"/>
        <source>Remove selected</source>
        <translation>移除所选</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard_plots.py" line="132"/>
        <source>Trade-off</source>
        <translation>权衡</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard_plots.py" line="147"/>
        <source>{0} (epoch)</source>
        <translation>{0}（每轮）</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard_plots.py" line="182"/>
        <source>{0}
measured on {1} ({2} rows)</source>
        <translation>{0}
在 {1} 上测量（{2} 行）</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard_plots.py" line="238"/>
        <source>Predict &apos;{0}&apos; when p ≥ {1:.3f}: precision {2:.3f}, recall {3:.3f}, TPR {4:.3f}, FPR {5:.3f}</source>
        <translation>当 p ≥ {1:.3f} 时预测为“{0}”：精确率 {2:.3f}，召回率 {3:.3f}，TPR {4:.3f}，FPR {5:.3f}</translation>
    </message>
</context>
<context>
    <name>Downloads</name>
    <message>
        <location filename="../../gui/downloads.py" line="73"/>
        <source>Replace a model?</source>
        <translation>替换模型？</translation>
    </message>
    <message>
        <location filename="../../gui/downloads.py" line="74"/>
        <source>A model named {0} is installed already. Download {1} and replace it?</source>
        <translation>已安装名为 {0} 的模型。要下载 {1} 并替换它吗？</translation>
    </message>
    <message>
        <location filename="../../gui/downloads.py" line="88"/>
        <source>Starting the download of {0}…</source>
        <translation>开始下载 {0}…</translation>
    </message>
    <message>
        <location filename="../../gui/downloads.py" line="113"/>
        <location filename="../../gui/downloads.py" line="125"/>
        <source>Stopped at {0:.0%}; what arrived is kept, and Download resumes.</source>
        <translation>已在 {0:.0%} 处停止；已下载的部分会保留，点击“下载”可继续。</translation>
    </message>
</context>
<context>
    <name>EvaluateTab</name>
    <message>
        <location filename="../../gui/panels/train.py" line="261"/>
        <source>Labelled file:</source>
        <translation>带标签的文件：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="262"/>
        <source>texts per batch</source>
        <translation>每批文本数</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="263"/>
        <source>Batch size:</source>
        <translation>批大小：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="268"/>
        <source>Evaluating {0} on {1}</source>
        <translation>正在用 {1} 评估 {0}</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="274"/>
        <source>Choose a labelled file to evaluate on.</source>
        <translation>请选择用于评估的带标签文件。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="286"/>
        <source>Evaluated {0} on {1:,} examples: {2}.</source>
        <translation>已在 {1:,} 个样本上评估 {0}：{2}。</translation>
    </message>
</context>
<context>
    <name>FacesPanel</name>
    <message>
        <location filename="../../gui/panels/faces.py" line="68"/>
        <source>The first face&apos;s seed: each seed always gives the same face</source>
        <translation>第一张人脸的随机种子：同一个种子总是生成同一张人脸</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="70"/>
        <source>Fractional seed: blends each face toward the next seed&apos;s</source>
        <translation>小数种子：让每张人脸向下一个种子的人脸过渡</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="71"/>
        <source>Rows of faces</source>
        <translation>人脸的行数</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="72"/>
        <source>Faces per row</source>
        <translation>每行人脸数</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="74"/>
        <source>Truncation ψ: 1 leaves the faces as drawn, lower pulls them toward the average face</source>
        <translation>截断 ψ：为 1 时保持采样结果，越小越接近平均人脸</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="78"/>
        <source>Seed:</source>
        <translation>随机种子：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="79"/>
        <source>Grid:</source>
        <translation>网格：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="79"/>
        <source>rows ×</source>
        <translation>行 ×</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="79"/>
        <source>columns</source>
        <translation>列</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="80"/>
        <source>Truncation ψ:</source>
        <translation>截断 ψ：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="91"/>
        <source>Interpolate</source>
        <translation>插值</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="92"/>
        <location filename="../../gui/panels/faces.py" line="184"/>
        <source>Train</source>
        <translation>训练</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="95"/>
        <source>Import</source>
        <translation>导入</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="105"/>
        <source>Choose a faces model: the faces render as you move the controls.</source>
        <translation>请选择人脸模型：调整控件时人脸会随之渲染。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="110"/>
        <source>Save image…</source>
        <translation>保存图像…</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="111"/>
        <source>Save the face you clicked last (the first one until you click)</source>
        <translation>保存最后单击的人脸（未单击时保存第一张）</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="112"/>
        <source>Save grid…</source>
        <translation>保存网格…</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="127"/>
        <source>The seeds the path goes through, in order, e.g. 3,7,12</source>
        <translation>插值路径依次经过的随机种子，例如 3,7,12</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="128"/>
        <source>Frames in all, both ends included</source>
        <translation>总帧数，含首尾两帧</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="129"/>
        <source>Seeds:</source>
        <translation>随机种子：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="130"/>
        <source>Frames:</source>
        <translation>帧数：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="131"/>
        <source>Make path</source>
        <translation>生成路径</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="136"/>
        <source>Export GIF…</source>
        <translation>导出 GIF…</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="137"/>
        <source>Export PNG frames…</source>
        <translation>导出 PNG 帧…</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="149"/>
        <source>A folder of jpg/png/webp images (subfolders included)</source>
        <translation>包含 jpg/png/webp 图像的文件夹（含子文件夹）</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="150"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="152"/>
        <source>Images:</source>
        <translation>图像：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="154"/>
        <source>The new model&apos;s name; Resume continues the model of this name</source>
        <translation>新模型的名称；“继续”会接着训练同名模型</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="155"/>
        <source>Model name:</source>
        <translation>模型名称：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="158"/>
        <source>{0} px</source>
        <translation>{0} 像素</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="160"/>
        <source>Epochs in all; Resume counts those already done</source>
        <translation>总训练轮数；“继续”时计入已完成的轮数</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="163"/>
        <source>Generator and discriminator width (ngf = ndf); smaller trains faster</source>
        <translation>生成器和判别器的宽度（ngf = ndf）；越小训练越快</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="164"/>
        <source>Steps between preview grids</source>
        <translation>两次预览网格之间的步数</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="165"/>
        <source>Image size:</source>
        <translation>图像尺寸：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="166"/>
        <source>Epochs:</source>
        <translation>训练轮数：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="167"/>
        <source>Batch size:</source>
        <translation>批大小：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="168"/>
        <source>Width:</source>
        <translation>宽度：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="169"/>
        <source>Preview every:</source>
        <translation>预览间隔：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="169"/>
        <source>steps</source>
        <translation>步</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="170"/>
        <source>Spectral norm in the discriminator (a new model)</source>
        <translation>判别器使用谱归一化（仅新模型）</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="172"/>
        <source>Minibatch-spread channel in the discriminator (a new model)</source>
        <translation>判别器加入小批量标准差通道（仅新模型）</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="175"/>
        <source>Defaults chosen by measurement (benchmarks/faces_training.py), the same as train-faces&apos;; DiffAugment, flips and label smoothing are always on</source>
        <translation>默认值经实测选定（benchmarks/faces_training.py），与命令行人脸训练的默认值相同；DiffAugment、水平翻转和标签平滑始终开启</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="177"/>
        <source>Stop when the generator is collapsing</source>
        <translation>生成器出现模式崩溃时停止训练</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="179"/>
        <source>Variety falling several epochs in a row always warns; this also stops there (the best epoch stays the model)</source>
        <translation>多样性连续数轮下降时总会发出警告；勾选后还会在此时停止训练（最佳一轮仍作为模型）</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="185"/>
        <source>Stop; the best and the last finished epoch stay saved</source>
        <translation>停止；最佳一轮和最后完成的一轮都会保留</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="350"/>
        <source> Warning: the generator is collapsing (from epoch {0}).</source>
        <translation> 警告：生成器出现模式崩溃（从第 {0} 轮开始）。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="352"/>
        <source>Trained to epoch {0}; epoch {1}, the best by KID, is the model in {2}.</source>
        <translation>已训练到第 {0} 轮；按 KID 最佳的第 {1} 轮保存为模型，位于 {2}。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="363"/>
        <source>Training stopped; epoch {0} (the best KID) is the model in {1}, and epoch {2}, the last finished one, is kept for Resume.</source>
        <translation>训练已停止；第 {0} 轮（KID 最佳）保存为模型，位于 {1}；最后完成的第 {2} 轮也已保留，可用“继续”接着训练。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="187"/>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="188"/>
        <source>Continue training the model named above until it has the epochs asked</source>
        <translation>继续训练上面命名的模型，直到达到所设的训练轮数</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="192"/>
        <source>Show dashboard</source>
        <translation>显示仪表盘</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="196"/>
        <source>Preview grids of fixed seeds appear as training goes.</source>
        <translation>训练过程中会显示固定种子的预览网格。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="213"/>
        <source> (off)</source>
        <translation>（关闭）</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="233"/>
        <source>{0} faces, seeds from {1:g}, ψ {2:.2f}.</source>
        <translation>{0} 张人脸，种子从 {1:g} 开始，ψ {2:.2f}。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="247"/>
        <source>Save the grid</source>
        <translation>保存网格</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="247"/>
        <source>Save the face</source>
        <translation>保存人脸</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="248"/>
        <source>PNG images (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="250"/>
        <source>Saved {0}.</source>
        <translation>已保存 {0}。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="269"/>
        <source>A path needs at least 2 seeds, e.g. 3,7,12.</source>
        <translation>路径至少需要 2 个种子，例如 3,7,12。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="283"/>
        <source>{0} frames through seeds {1}.</source>
        <translation>{0} 帧，经过随机种子 {1}。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="287"/>
        <source>Export the path as a GIF</source>
        <translation>将路径导出为 GIF</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="287"/>
        <source>GIF images (*.gif)</source>
        <translation>GIF 图像 (*.gif)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="290"/>
        <source>Saved a {0}-frame GIF to {1}.</source>
        <translation>已将 {0} 帧的 GIF 保存到 {1}。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="294"/>
        <source>Export the frames as PNGs into</source>
        <translation>将各帧导出为 PNG 到</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="296"/>
        <source>Saved {0} PNG frames to {1}.</source>
        <translation>已将 {0} 帧 PNG 保存到 {1}。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="309"/>
        <source>Choose a folder of images</source>
        <translation>选择图像文件夹</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="318"/>
        <source>Choose a folder of images to train on.</source>
        <translation>请选择用于训练的图像文件夹。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="321"/>
        <source>Name the model.</source>
        <translation>请为模型命名。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="334"/>
        <source>Resuming…</source>
        <translation>正在继续…</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="334"/>
        <source>Training…</source>
        <translation>正在训练…</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="359"/>
        <source>Training stopped before the first epoch ended: nothing was saved.</source>
        <translation>训练在第一轮结束前停止：没有保存任何内容。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="367"/>
        <source>Training stopped before a new epoch ended; {0} still holds epoch {1}, as before.</source>
        <translation>训练在新的一轮结束前停止；{0} 仍是之前的第 {1} 轮。</translation>
    </message>
</context>
<context>
    <name>FacesWatch</name>
    <message>
        <location filename="../../gui/dashboard_faces.py" line="46"/>
        <source>Epoch {0}: the generator is collapsing: its variety is {1:.2f} of the training images&apos; and has fallen epoch after epoch.</source>
        <translation>第 {0} 轮：生成器出现模式崩溃：其多样性只有训练图像的 {1:.2f}，并且逐轮下降。</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard_faces.py" line="51"/>
        <source>{0} of {1} generated faces are near-copies of training images.</source>
        <translation>{1} 张生成的人脸中有 {0} 张几乎是训练图像的复制品。</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard_faces.py" line="52"/>
        <source>No generated face is a near-copy of a training image.</source>
        <translation>没有生成的人脸是训练图像的近似复制品。</translation>
    </message>
    <message>
        <location filename="../../gui/dashboard_faces.py" line="53"/>
        <source>Epoch {0}: each generated face beside its nearest training image (nearest first). Closest {1:.1f}, median {2:.1f}; training images are {3:.1f} from their nearest neighbour. {4}</source>
        <translation>第 {0} 轮：每张生成的人脸与其最相近的训练图像并排显示（最相近的在前）。最近距离 {1:.1f}，中位数 {2:.1f}；训练图像与其最近邻的距离为 {3:.1f}。{4}</translation>
    </message>
</context>
<context>
    <name>FileQueue</name>
    <message>
        <location filename="../../gui/widgets/file_queue.py" line="26"/>
        <source>Queued</source>
        <extracomment>a file&apos;s states (kept in English, shown translated)</extracomment>
        <translation>排队中</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/file_queue.py" line="27"/>
        <source>Transcribing</source>
        <translation>正在转写</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/file_queue.py" line="28"/>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/file_queue.py" line="28"/>
        <source>Stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/file_queue.py" line="29"/>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/file_queue.py" line="45"/>
        <source>{0} failed: {1}</source>
        <translation>{0} 失败：{1}</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/file_queue.py" line="65"/>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/file_queue.py" line="65"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/file_queue.py" line="65"/>
        <source>Progress</source>
        <translation>进度</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/file_queue.py" line="74"/>
        <source>Drop sound files here, or press Add files…</source>
        <translation>将音频文件拖到这里，或点击“添加文件…”</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/file_queue.py" line="75"/>
        <source>Add files…</source>
        <translation>添加文件…</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/file_queue.py" line="76"/>
        <source>Start queue</source>
        <translation>开始队列</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/file_queue.py" line="77"/>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/file_queue.py" line="78"/>
        <source>Open in editor</source>
        <translation>在编辑器中打开</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/file_queue.py" line="79"/>
        <source>Export all…</source>
        <translation>全部导出…</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/file_queue.py" line="121"/>
        <source>Only sound files can be queued (wav, flac, ogg, mp3, opus, aiff, m4a).</source>
        <translation>只能添加音频文件（wav、flac、ogg、mp3、opus、aiff、m4a）。</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/file_queue.py" line="150"/>
        <source>Queue finished: {0} of {1} files transcribed.</source>
        <translation>队列完成：已转写 {0}/{1} 个文件。</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/file_queue.py" line="182"/>
        <source>{0} segments</source>
        <translation>{0} 段</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/file_queue.py" line="185"/>
        <source>{0}: {1} warning</source>
        <translation>{0}：{1} 条警告</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/file_queue.py" line="185"/>
        <source>{0}: {1} warnings</source>
        <translation>{0}：{1} 条警告</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/file_queue.py" line="193"/>
        <source>Stopped {0}; the rest stays queued.</source>
        <translation>已停止 {0}；其余文件仍在队列中。</translation>
    </message>
</context>
<context>
    <name>FileTab</name>
    <message>
        <location filename="../../gui/panels/classify.py" line="83"/>
        <source>A CSV, TSV or JSON Lines file with a text column</source>
        <translation>含文本列的 CSV、TSV 或 JSON Lines 文件</translation>
    </message>
    <message>
        <location filename="../../gui/panels/classify.py" line="84"/>
        <source>Open…</source>
        <translation>打开…</translation>
    </message>
    <message>
        <location filename="../../gui/panels/classify.py" line="86"/>
        <source>Input file:</source>
        <translation>输入文件：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/classify.py" line="89"/>
        <source>open a file first</source>
        <translation>请先打开文件</translation>
    </message>
    <message>
        <location filename="../../gui/panels/classify.py" line="90"/>
        <source>Text column:</source>
        <translation>文本列：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/classify.py" line="92"/>
        <source>Where the CSV with predictions goes</source>
        <translation>保存预测结果 CSV 的位置</translation>
    </message>
    <message>
        <location filename="../../gui/panels/classify.py" line="93"/>
        <source>Save as…</source>
        <translation>另存为…</translation>
    </message>
    <message>
        <location filename="../../gui/panels/classify.py" line="95"/>
        <source>Output CSV:</source>
        <translation>输出 CSV：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/classify.py" line="100"/>
        <source>Batch size:</source>
        <translation>批大小：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/classify.py" line="132"/>
        <source>{0:,} rows; columns: {1}.</source>
        <translation>{0:,} 行；列：{1}。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/classify.py" line="136"/>
        <source>Open a data file</source>
        <translation>打开数据文件</translation>
    </message>
    <message>
        <location filename="../../gui/panels/classify.py" line="142"/>
        <source>Save predictions as</source>
        <translation>预测结果另存为</translation>
    </message>
    <message>
        <location filename="../../gui/panels/classify.py" line="143"/>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/classify.py" line="152"/>
        <source>Open a data file first.</source>
        <translation>请先打开数据文件。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/classify.py" line="154"/>
        <source>Choose where to save the predictions.</source>
        <translation>请选择预测结果的保存位置。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/classify.py" line="170"/>
        <source>{0:,.1f} rows/s</source>
        <translation>{0:,.1f} 行/秒</translation>
    </message>
    <message>
        <location filename="../../gui/panels/classify.py" line="171"/>
        <source>{0:,} rows classified ({1:,} skipped) in {2:.2f} s → {3}
{4}</source>
        <translation>已分类 {0:,} 行（跳过 {1:,} 行），用时 {2:.2f} 秒 → {3}
{4}</translation>
    </message>
</context>
<context>
    <name>FirstRun</name>
    <message>
        <location filename="../../gui/widgets/first_run.py" line="26"/>
        <source>text classifier</source>
        <extracomment>the store&apos;s kinds of model, for the translation (``KINDS`` without its article)</extracomment>
        <translation>文本分类模型</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/first_run.py" line="26"/>
        <source>text generator</source>
        <translation>文本生成模型</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/first_run.py" line="27"/>
        <source>translation model</source>
        <translation>翻译模型</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/first_run.py" line="27"/>
        <source>face generator</source>
        <translation>人脸生成模型</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/first_run.py" line="28"/>
        <source>speech recognition model</source>
        <translation>语音识别模型</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/first_run.py" line="29"/>
        <source>bare encoder (a base for fine-tuning)</source>
        <translation>基础编码器（用于微调）</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/first_run.py" line="43"/>
        <location filename="../../gui/widgets/first_run.py" line="95"/>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/first_run.py" line="44"/>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/first_run.py" line="49"/>
        <source>&lt;a href=&quot;models&quot;&gt;See every recommended model on the Models page&lt;/a&gt;</source>
        <translation>&lt;a href=&quot;models&quot;&gt;在“模型”页查看全部推荐模型&lt;/a&gt;</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/first_run.py" line="84"/>
        <source>No {0} yet.</source>
        <translation>还没有{0}。</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/first_run.py" line="88"/>
        <source> Its weights are a pickle checkpoint: allow pickle checkpoints in the Settings menu first.</source>
        <translation>它的权重是 pickle 检查点：请先在“设置”菜单中允许 pickle 检查点。</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/first_run.py" line="90"/>
        <source>No {0} yet. To start: &lt;b&gt;{1}&lt;/b&gt; ({2}, {3}, needs {4}). {5}{6}</source>
        <translation>还没有{0}。可以先试试：&lt;b&gt;{1}&lt;/b&gt;（{2}，{3}，需要 {4}）。{5}{6}</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/first_run.py" line="95"/>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
</context>
<context>
    <name>FramePlayer</name>
    <message>
        <location filename="../../gui/widgets/face_grid.py" line="56"/>
        <source>Make a path, then scrub it or press Play.</source>
        <translation>先生成路径，然后拖动浏览或点击“播放”。</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/face_grid.py" line="60"/>
        <location filename="../../gui/widgets/face_grid.py" line="100"/>
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/face_grid.py" line="67"/>
        <source> fps</source>
        <translation> 帧/秒</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/face_grid.py" line="100"/>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
</context>
<context>
    <name>GeneratePanel</name>
    <message>
        <location filename="../../gui/panels/generate.py" line="27"/>
        <source>custom</source>
        <extracomment>the presets&apos; names as shown (translated)</extracomment>
        <translation>自定义</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="27"/>
        <source>precise</source>
        <translation>精确</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="28"/>
        <source>balanced</source>
        <translation>均衡</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="29"/>
        <source>creative</source>
        <translation>创意</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="30"/>
        <source>You</source>
        <translation>你</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="31"/>
        <source>Assistant</source>
        <translation>助手</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="57"/>
        <source>Completion: the model continues your text.</source>
        <translation>续写：模型接着你的文本往下写。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="58"/>
        <source>Open a .gguf file…</source>
        <translation>打开 .gguf 文件…</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="59"/>
        <source>A GGUF model file from another local-LLM app (llama, mistral, qwen2/3, phi3, gemma2/3, gpt2, falcon, …); it is dequantised to run with PyTorch</source>
        <translation>来自其他本地大模型应用的 GGUF 模型文件（llama、mistral、qwen2/3、phi3、gemma2/3、gpt2、falcon 等）；反量化后用 PyTorch 运行</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="62"/>
        <source>Mode:</source>
        <translation>模式：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="64"/>
        <source>System prompt (chat models): who the assistant is and how it answers</source>
        <translation>系统提示词（对话模型）：助手是谁、如何回答</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="67"/>
        <source>System:</source>
        <translation>系统：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="72"/>
        <source>The text appears here as it is generated.</source>
        <translation>生成的文本会实时显示在这里。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="80"/>
        <source>Show prompt</source>
        <translation>查看提示词</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="81"/>
        <source>The exact text the model received for the last reply</source>
        <translation>模型生成上一条回复时收到的完整文本</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="83"/>
        <source>Drop the oldest turns and send</source>
        <translation>丢弃最早的几轮并发送</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="85"/>
        <source>Use plain mode and send</source>
        <translation>改用纯文本模式并发送</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="93"/>
        <source>Clear</source>
        <translation>清空</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="94"/>
        <source>Regenerate</source>
        <translation>重新生成</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="95"/>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="96"/>
        <source>Save…</source>
        <translation>保存…</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="97"/>
        <source>Open…</source>
        <translation>打开…</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="99"/>
        <source>Time to the first token, then tokens per second</source>
        <translation>首个词元的用时，以及每秒生成的词元数</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="105"/>
        <source>Copy the last reply</source>
        <translation>复制最后一条回复</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="120"/>
        <source>What happens when the conversation no longer fits the model&apos;s context</source>
        <translation>对话超出模型上下文长度时的处理方式</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="124"/>
        <source>the model&apos;s chat template</source>
        <translation>模型自带的对话模板</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="125"/>
        <source>plain (Role: text lines)</source>
        <translation>纯文本（“角色：内容”逐行）</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="126"/>
        <source>Plain mode chats without the model&apos;s template (for a missing or broken one)</source>
        <translation>纯文本模式不使用模型的对话模板（适用于模板缺失或有问题的模型）</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="129"/>
        <source>When full:</source>
        <translation>上下文满时：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="129"/>
        <source>Chat as</source>
        <translation>对话格式</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="169"/>
        <source>precise: always the likeliest token; balanced: everyday answers; creative: surprising</source>
        <translation>精确：总取概率最高的词元；均衡：日常回答；创意：更出人意料</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="171"/>
        <source>How many tokens to add at most</source>
        <translation>最多生成多少个词元</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="173"/>
        <source>0 always takes the most likely token; higher is more surprising</source>
        <translation>0 表示总取概率最高的词元；越高越出人意料</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="174"/>
        <source>Sample among the K most likely tokens (0: all)</source>
        <translation>在概率最高的 K 个词元中采样（0：全部）</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="176"/>
        <source>Sample among the most likely tokens that make up this probability (1: all)</source>
        <translation>在累计概率达到此值的高概率词元中采样（1：全部）</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="179"/>
        <source>Drop tokens less likely than this share of the most likely one (0: off)</source>
        <translation>丢弃概率低于最高概率乘以此比例的词元（0：关闭）</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="181"/>
        <source>Above 1 makes tokens already in the text less likely (1: off)</source>
        <translation>大于 1 时降低文本中已出现词元的概率（1：关闭）</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="182"/>
        <source>The same seed gives the same text</source>
        <translation>相同的种子生成相同的文本</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="183"/>
        <source>random</source>
        <translation>随机</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="185"/>
        <source>Stop strings, one per line (\n stands for a line break)</source>
        <translation>停止字符串，每行一个（\n 表示换行）</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="188"/>
        <source>Sampling:</source>
        <translation>采样：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="188"/>
        <source>Preset</source>
        <translation>预设</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="188"/>
        <source>Max tokens</source>
        <translation>最多词元数</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="188"/>
        <source>Seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="189"/>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="189"/>
        <source>Top-k</source>
        <translation>Top-k 采样</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="189"/>
        <source>Top-p</source>
        <translation>Top-p 采样</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="190"/>
        <source>Min-p</source>
        <translation>Min-p 采样</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="190"/>
        <source>Repetition penalty</source>
        <translation>重复惩罚</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="191"/>
        <source>Stop at:</source>
        <translation>停止于：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="242"/>
        <source>Open a GGUF model file</source>
        <translation>打开 GGUF 模型文件</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="242"/>
        <source>GGUF models (*.gguf)</source>
        <translation>GGUF 模型 (*.gguf)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="261"/>
        <source>Reading the model…</source>
        <translation>正在读取模型…</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="274"/>
        <source> (context {0} tokens)</source>
        <translation>（上下文 {0} 个词元）</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="275"/>
        <source>Chat in plain &apos;Role: text&apos; lines{0}.</source>
        <translation>以纯文本“角色：内容”逐行对话{0}。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="276"/>
        <source>Chat with the model&apos;s own template{0}.</source>
        <translation>使用模型自带的对话模板{0}。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="277"/>
        <source>Completion: the model continues your text{0}.</source>
        <translation>续写：模型接着你的文本往下写{0}。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="279"/>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="279"/>
        <source>Generate</source>
        <translation>生成</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="280"/>
        <source>Write a message…</source>
        <translation>输入消息…</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="281"/>
        <source>Write the beginning of a text; the model continues it…</source>
        <translation>写下文本的开头，模型会接着写…</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="322"/>
        <source>Copied the reply.</source>
        <translation>已复制回复。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="322"/>
        <source>Nothing to copy yet.</source>
        <translation>还没有可复制的内容。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="340"/>
        <source>Write a prompt first.</source>
        <translation>请先输入提示词。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="345"/>
        <source>Write a message first.</source>
        <translation>请先输入消息。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="407"/>
        <source>Save the conversation</source>
        <translation>保存对话</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="407"/>
        <location filename="../../gui/panels/generate.py" line="413"/>
        <source>Conversations (*.json)</source>
        <translation>对话 (*.json)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="413"/>
        <source>Open a conversation</source>
        <translation>打开对话</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="425"/>
        <source>Saved the conversation to {0}.</source>
        <translation>对话已保存到 {0}。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="444"/>
        <source>Opened {0}: {1} turns.</source>
        <translation>已打开 {0}：{1} 轮对话。</translation>
    </message>
</context>
<context>
    <name>GeneratorImport</name>
    <message>
        <location filename="../../gui/panels/faces_import.py" line="34"/>
        <source>A generator trained with the PyTorch DCGAN tutorial: its weights alone, or a training checkpoint that holds them. Its sizes are read from the weights.</source>
        <translation>用 PyTorch 官方人脸生成教程训练的生成器：仅含权重的文件，或包含这些权重的训练检查点。尺寸从权重中读取。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces_import.py" line="39"/>
        <source>A PyTorch checkpoint file</source>
        <translation>PyTorch 检查点文件</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces_import.py" line="40"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces_import.py" line="42"/>
        <source>Checkpoint:</source>
        <translation>检查点：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces_import.py" line="44"/>
        <source>The file&apos;s name</source>
        <translation>与文件同名</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces_import.py" line="45"/>
        <source>The new model&apos;s name</source>
        <translation>新模型的名称</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces_import.py" line="46"/>
        <source>Model name:</source>
        <translation>模型名称：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces_import.py" line="47"/>
        <source>Import</source>
        <translation>导入</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces_import.py" line="52"/>
        <source>Choose a PyTorch generator checkpoint</source>
        <translation>选择一个 PyTorch 生成器检查点</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces_import.py" line="53"/>
        <source>PyTorch checkpoints (*.pt *.pth)</source>
        <translation>PyTorch 检查点 (*.pt *.pth)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces_import.py" line="62"/>
        <source>Load a pickle checkpoint?</source>
        <translation>加载 pickle 检查点？</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces_import.py" line="63"/>
        <source>{0} is a pickle checkpoint, which can run code when it is loaded. ModelDesk reads it with weights_only=True, which refuses anything but tensors. Load it?</source>
        <translation>{0} 是 pickle 检查点，加载时可能运行代码。ModelDesk 以 weights_only=True 读取它，除张量外一概拒绝。要加载吗？</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces_import.py" line="72"/>
        <source>Choose a checkpoint to import.</source>
        <translation>请选择要导入的检查点。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces_import.py" line="76"/>
        <source>{0} is not a file.</source>
        <translation>{0} 不是文件。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces_import.py" line="79"/>
        <source>Not imported: {0} is read only with your consent.</source>
        <translation>未导入：只有经您同意才会读取 {0}。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces_import.py" line="88"/>
        <source>Imported {0} as &apos;{1}&apos;; it is the model on this page now.</source>
        <translation>已将 {0} 导入为“{1}”；它现在是本页的模型。</translation>
    </message>
</context>
<context>
    <name>HfCacheView</name>
    <message>
        <location filename="../../gui/hf_cache_view.py" line="36"/>
        <source>Looking at the cache…</source>
        <translation>正在查看缓存…</translation>
    </message>
    <message>
        <location filename="../../gui/hf_cache_view.py" line="37"/>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <location filename="../../gui/hf_cache_view.py" line="38"/>
        <source>Delete the selected repository from the cache (other apps share it)</source>
        <translation>从缓存中删除所选仓库（其他应用也共用此缓存）</translation>
    </message>
    <message>
        <location filename="../../gui/hf_cache_view.py" line="39"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location filename="../../gui/hf_cache_view.py" line="59"/>
        <source>{0} models, {1}, in the Hugging Face cache</source>
        <translation>Hugging Face 缓存中有 {0} 个模型，共 {1}</translation>
    </message>
    <message>
        <location filename="../../gui/hf_cache_view.py" line="60"/>
        <source>The Hugging Face cache holds no models.</source>
        <translation>Hugging Face 缓存中没有模型。</translation>
    </message>
    <message>
        <location filename="../../gui/hf_cache_view.py" line="71"/>
        <source>Select a repository in the cache to delete.</source>
        <translation>请在缓存中选择要删除的仓库。</translation>
    </message>
    <message>
        <location filename="../../gui/hf_cache_view.py" line="77"/>
        <source>Delete {0}{1} from the Hugging Face cache? Other apps that use it would download it again.</source>
        <translation>要从 Hugging Face 缓存中删除 {0}{1} 吗？使用它的其他应用将需要重新下载。</translation>
    </message>
    <message>
        <location filename="../../gui/hf_cache_view.py" line="78"/>
        <source>Delete from the cache</source>
        <translation>从缓存中删除</translation>
    </message>
    <message>
        <location filename="../../gui/hf_cache_view.py" line="80"/>
        <source>Deleting {0} from the cache…</source>
        <translation>正在从缓存中删除 {0}…</translation>
    </message>
    <message>
        <location filename="../../gui/hf_cache_view.py" line="84"/>
        <source>Deleted {0} from the Hugging Face cache ({1} freed).</source>
        <translation>已从 Hugging Face 缓存中删除 {0}（释放 {1}）。</translation>
    </message>
</context>
<context>
    <name>JobControls</name>
    <message>
        <location filename="../../gui/widgets/job_controls.py" line="36"/>
        <source>Run</source>
        <extracomment>seconds after Stop before &quot;Stop now&quot; is offered</extracomment>
        <translation>运行</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/job_controls.py" line="42"/>
        <location filename="../../gui/widgets/job_controls.py" line="86"/>
        <location filename="../../gui/widgets/job_controls.py" line="121"/>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/job_controls.py" line="47"/>
        <source>Ready.</source>
        <translation>就绪。</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/job_controls.py" line="78"/>
        <source>Done.</source>
        <translation>完成。</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/job_controls.py" line="79"/>
        <source>Stopped.</source>
        <translation>已停止。</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/job_controls.py" line="82"/>
        <source>Working…</source>
        <translation>正在处理…</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/job_controls.py" line="90"/>
        <source>Stopping…</source>
        <translation>正在停止…</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/job_controls.py" line="126"/>
        <source>Stop now</source>
        <translation>立即停止</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/job_controls.py" line="127"/>
        <source>The job does not answer Stop: end the model engine (other running jobs end too) and start a fresh one</source>
        <translation>任务没有响应“停止”：结束模型引擎（其他正在运行的任务也会结束）并重新启动一个</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/job_controls.py" line="129"/>
        <source>Still stopping… press Stop now to end it at once.</source>
        <translation>仍在停止… 点击“立即停止”可马上结束。</translation>
    </message>
</context>
<context>
    <name>LabelledFileField</name>
    <message>
        <location filename="../../gui/widgets/labelled_file.py" line="18"/>
        <source>(detected)</source>
        <translation>（自动检测）</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/labelled_file.py" line="34"/>
        <source>a CSV, TSV or JSON Lines file with a text and a label column</source>
        <translation>含文本列和标签列的 CSV、TSV 或 JSON Lines 文件</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/labelled_file.py" line="35"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/labelled_file.py" line="47"/>
        <source>Text column:</source>
        <translation>文本列：</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/labelled_file.py" line="49"/>
        <source>Label column:</source>
        <translation>标签列：</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/labelled_file.py" line="65"/>
        <source>Reading…</source>
        <translation>正在读取…</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/labelled_file.py" line="75"/>
        <source>{0:,} rows · {1} · {2}</source>
        <translation>{0:,} 行 · {1} · {2}</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/labelled_file.py" line="77"/>
        <source> · {0} labels in &apos;{1}&apos;</source>
        <translation> · “{1}”列中有 {0} 个标签</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/labelled_file.py" line="77"/>
        <source> · no label column found</source>
        <translation> · 未找到标签列</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/labelled_file.py" line="98"/>
        <source>Choose a labelled file</source>
        <translation>选择带标签的文件</translation>
    </message>
</context>
<context>
    <name>LevelMeter</name>
    <message>
        <location filename="../../gui/widgets/level_meter.py" line="21"/>
        <source>Input level (RMS, dBFS)</source>
        <translation>输入电平（RMS，dBFS）</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../gui/main_window.py" line="39"/>
        <source>ModelDesk</source>
        <extracomment>seconds that closing the window gives running jobs to stop, in all</extracomment>
        <translation>ModelDesk</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="43"/>
        <source>Device: detecting…</source>
        <translation>设备：正在检测…</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="43"/>
        <source>Device: not checked yet</source>
        <translation>设备：尚未检测</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="111"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="112"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="114"/>
        <source>&amp;Settings</source>
        <translation>设置(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="115"/>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="115"/>
        <source>Automatic (GPU if present)</source>
        <translation>自动（有 GPU 时用 GPU）</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="116"/>
        <source>GPU (CUDA)</source>
        <translation>GPU（CUDA）</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="118"/>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="119"/>
        <source>System language</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="121"/>
        <source>Allow pickle checkpoints (weights only)</source>
        <translation>允许 pickle 检查点（仅权重）</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="125"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="126"/>
        <source>&amp;About ModelDesk</source>
        <translation>关于 ModelDesk(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="159"/>
        <source>Device: unknown ({0})</source>
        <translation>设备：未知（{0}）</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="162"/>
        <source>Device: {0} — {1}</source>
        <translation>设备：{0} — {1}</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="179"/>
        <source>Allow pickle checkpoints?</source>
        <translation>允许 pickle 检查点？</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="180"/>
        <source>Pickle checkpoints (.bin, .pt) can run code when they are loaded. ModelDesk loads them with weights_only=True, which refuses anything but tensors. Allow them?</source>
        <translation>pickle 检查点（.bin、.pt）在加载时可能执行代码。ModelDesk 以 weights_only=True 加载，只接受张量。是否允许？</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="191"/>
        <source>Backend: —</source>
        <translation>推理后端：—</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="194"/>
        <source>Backend: {0}</source>
        <translation>推理后端：{0}</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="202"/>
        <source>Memory: window {0} MB</source>
        <translation>内存：窗口 {0} MB</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="207"/>
        <source>, {0} engine {1} MB</source>
        <translation>，{0} 引擎 {1} MB</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="216"/>
        <source>About ModelDesk</source>
        <translation>关于 ModelDesk</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="217"/>
        <source>ModelDesk {0}
An offline AI workbench.
Data folder: {1}</source>
        <translation>ModelDesk {0}
离线 AI 工作台。
数据文件夹：{1}</translation>
    </message>
</context>
<context>
    <name>ModelManager</name>
    <message>
        <location filename="../../gui/model_manager.py" line="50"/>
        <source>&lt;h2&gt;Models&lt;/h2&gt;</source>
        <translation>&lt;h2&gt;模型&lt;/h2&gt;</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="60"/>
        <source>Import folder…</source>
        <translation>导入文件夹…</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="61"/>
        <source>A model folder in Hugging Face layout, a faster-whisper (CTranslate2) folder, or a folder holding an ONNX face generator</source>
        <translation>Hugging Face 格式的模型文件夹、faster-whisper（CTranslate2）文件夹，或包含 ONNX 人脸生成器的文件夹</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="63"/>
        <source>Import ONNX generator…</source>
        <translation>导入 ONNX 生成器…</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="64"/>
        <source>A face generator as one .onnx file (input z, output [N, 3, H, W]), with its optional .json sidecar; it is copied into the app&apos;s folder</source>
        <translation>单个 .onnx 文件形式的人脸生成器（输入 z，输出 [N, 3, H, W]），可附带 .json 说明文件；它会被复制到应用的文件夹中</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="66"/>
        <source>copy into the app&apos;s folder</source>
        <translation>复制到应用的文件夹</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="67"/>
        <source>Otherwise the folder is used where it lies</source>
        <translation>否则直接使用原位置的文件夹</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="68"/>
        <source>Download…</source>
        <translation>下载…</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="69"/>
        <source>Fetch a model from the Hugging Face hub by its repository id</source>
        <translation>按仓库 ID 从 Hugging Face Hub 获取模型</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="70"/>
        <source>Convert to ONNX + INT8</source>
        <translation>转换为 ONNX + INT8</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="71"/>
        <source>Export the selected model for ONNX Runtime (fp32 and INT8) and check it against torch</source>
        <translation>为 ONNX Runtime 导出所选模型（fp32 和 INT8），并与 torch 的结果核对</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="73"/>
        <source>Calibration file…</source>
        <translation>校准文件…</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="74"/>
        <source>Your rows (labelled or not) to choose a classifier&apos;s INT8 on some and check it on the others, for a classifier not fine-tuned here (one fine-tuned here uses its validation rows)</source>
        <translation>你的数据行（有无标签均可）：一部分用于选择分类器的 INT8 量化方案，其余用于核对效果；适用于不是在本应用中微调的分类器（在本应用中微调的分类器使用其验证集）</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="78"/>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="79"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="91"/>
        <source>Installed</source>
        <translation>已安装</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="92"/>
        <source>Catalogue</source>
        <translation>模型目录</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="93"/>
        <source>Hugging Face cache</source>
        <translation>Hugging Face 缓存</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="135"/>
        <source>Source: {0}</source>
        <translation>来源：{0}</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="137"/>
        <source>Parity: {0}</source>
        <translation>一致性：{0}</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="140"/>
        <source>INT8 keeps in fp32: {0}</source>
        <translation>INT8 中保留为 fp32 的部分：{0}</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="142"/>
        <source>Calibration file for the next conversion: {0}</source>
        <translation>下次转换使用的校准文件：{0}</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="153"/>
        <source>Import a model folder</source>
        <translation>导入模型文件夹</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="155"/>
        <location filename="../../gui/model_manager.py" line="161"/>
        <source>Importing {0}…</source>
        <translation>正在导入 {0}…</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="159"/>
        <source>Import an ONNX face generator</source>
        <translation>导入 ONNX 人脸生成器</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="159"/>
        <source>ONNX models (*.onnx)</source>
        <translation>ONNX 模型 (*.onnx)</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="164"/>
        <source>Download a model</source>
        <translation>下载模型</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="165"/>
        <source>Hugging Face repository id (e.g. Helsinki-NLP/opus-mt-en-de):</source>
        <translation>Hugging Face 仓库 ID（例如 Helsinki-NLP/opus-mt-en-de）：</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="170"/>
        <source>&apos;{0}&apos; is not a repository id; it looks like owner/name.</source>
        <translation>“{0}”不是仓库 ID；仓库 ID 形如 owner/name。</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="177"/>
        <source>Select a model to convert.</source>
        <translation>请选择要转换的模型。</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="181"/>
        <source>Exporting {0} to ONNX…</source>
        <translation>正在将 {0} 导出为 ONNX…</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="187"/>
        <source>Your rows to choose and check INT8 on</source>
        <translation>用于选择和核对 INT8 量化的数据行</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="188"/>
        <source>Data files (*.csv *.tsv *.tab *.jsonl *.ndjson *.json)</source>
        <translation>数据文件 (*.csv *.tsv *.tab *.jsonl *.ndjson *.json)</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="200"/>
        <source>Select a model to remove.</source>
        <translation>请选择要移除的模型。</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="205"/>
        <source>Delete {0} and its folder {1}?</source>
        <translation>要删除 {0} 及其文件夹 {1} 吗？</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="206"/>
        <source>Forget {0}? Its folder {1} stays on disk.</source>
        <translation>要移除 {0} 吗？它的文件夹 {1} 会保留在磁盘上。</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="207"/>
        <source>Remove model</source>
        <translation>移除模型</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="209"/>
        <source>Removing {0}…</source>
        <translation>正在移除 {0}…</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="215"/>
        <source>Another model job is running; wait for it or press Stop.</source>
        <translation>另一个模型任务正在运行；请等待它完成或点击“停止”。</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="223"/>
        <source>{0}: {1} model, at {2}.</source>
        <translation>{0}：{1}模型，位于 {2}。</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="228"/>
        <source>{0} converted. {1}</source>
        <translation>{0} 已转换。{1}</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="232"/>
        <source>Removed {0}.</source>
        <translation>已移除 {0}。</translation>
    </message>
</context>
<context>
    <name>ModelPicker</name>
    <message>
        <location filename="../../gui/widgets/model_picker.py" line="27"/>
        <source>Models for this task: the app&apos;s own, imported folders and the Hugging Face cache</source>
        <translation>此任务可用的模型：应用自己的、导入的文件夹以及 Hugging Face 缓存中的</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/model_picker.py" line="28"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/model_picker.py" line="29"/>
        <source>Use a model folder in Hugging Face layout</source>
        <translation>使用 Hugging Face 格式的模型文件夹</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/model_picker.py" line="32"/>
        <source>Look for models again</source>
        <translation>重新查找模型</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/model_picker.py" line="63"/>
        <source>No model yet: Browse…, or add one on the Models page</source>
        <translation>还没有模型：点击“浏览…”，或在“模型”页添加</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/model_picker.py" line="64"/>
        <source>Looking for models…</source>
        <translation>正在查找模型…</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/model_picker.py" line="82"/>
        <source>Choose a model folder</source>
        <translation>选择模型文件夹</translation>
    </message>
</context>
<context>
    <name>PredictTab</name>
    <message>
        <location filename="../../gui/panels/classify.py" line="42"/>
        <source>Type or paste a text to classify…</source>
        <translation>输入或粘贴要分类的文本…</translation>
    </message>
    <message>
        <location filename="../../gui/panels/classify.py" line="58"/>
        <source>Type a text to classify first.</source>
        <translation>请先输入要分类的文本。</translation>
    </message>
</context>
<context>
    <name>PromptView</name>
    <message>
        <location filename="../../gui/panels/generate_context.py" line="77"/>
        <source>The prompt the model received</source>
        <translation>模型收到的提示词</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate_context.py" line="88"/>
        <source>Nothing has been sent yet.</source>
        <translation>还没有发送任何内容。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate_context.py" line="93"/>
        <source>{0} tokens</source>
        <translation>{0} 个词元</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate_context.py" line="94"/>
        <source> of {0}</source>
        <translation>，上下文共 {0}</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate_context.py" line="95"/>
        <source> · the oldest {0} turns left out</source>
        <translation> · 最早的 {0} 轮对话已略去</translation>
    </message>
</context>
<context>
    <name>RowTable</name>
    <message>
        <location filename="../../gui/catalogue_view.py" line="22"/>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location filename="../../gui/catalogue_view.py" line="22"/>
        <location filename="../../gui/model_manager.py" line="30"/>
        <source>Task</source>
        <translation>任务</translation>
    </message>
    <message>
        <location filename="../../gui/catalogue_view.py" line="23"/>
        <location filename="../../gui/hf_cache_view.py" line="20"/>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <location filename="../../gui/catalogue_view.py" line="23"/>
        <source>Licence</source>
        <translation>许可证</translation>
    </message>
    <message>
        <location filename="../../gui/catalogue_view.py" line="24"/>
        <source>Languages</source>
        <translation>语言</translation>
    </message>
    <message>
        <location filename="../../gui/catalogue_view.py" line="24"/>
        <source>Needs</source>
        <translation>所需资源</translation>
    </message>
    <message>
        <location filename="../../gui/catalogue_view.py" line="25"/>
        <source>Fits this machine</source>
        <translation>本机是否可运行</translation>
    </message>
    <message>
        <location filename="../../gui/catalogue_view.py" line="25"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../gui/hf_cache_view.py" line="20"/>
        <source>Repository</source>
        <translation>仓库</translation>
    </message>
    <message>
        <location filename="../../gui/hf_cache_view.py" line="21"/>
        <source>Files</source>
        <translation>文件</translation>
    </message>
    <message>
        <location filename="../../gui/hf_cache_view.py" line="21"/>
        <source>Revisions</source>
        <translation>版本数</translation>
    </message>
    <message>
        <location filename="../../gui/hf_cache_view.py" line="22"/>
        <source>Folder</source>
        <translation>文件夹</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="30"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="31"/>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="31"/>
        <source>Weights</source>
        <translation>权重格式</translation>
    </message>
    <message>
        <location filename="../../gui/model_manager.py" line="32"/>
        <source>Path</source>
        <translation>路径</translation>
    </message>
</context>
<context>
    <name>TaskPanel</name>
    <message>
        <location filename="../../gui/panel.py" line="36"/>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <location filename="../../gui/panel.py" line="55"/>
        <source>Model:</source>
        <translation>模型：</translation>
    </message>
    <message>
        <location filename="../../gui/panel.py" line="58"/>
        <source>Backend:</source>
        <translation>推理后端：</translation>
    </message>
    <message>
        <location filename="../../gui/panel.py" line="109"/>
        <source>Choose a model first (Browse… or the Models page).</source>
        <translation>请先选择模型（点击“浏览…”或前往“模型”页）。</translation>
    </message>
    <message>
        <location filename="../../gui/panel.py" line="140"/>
        <source>Done.</source>
        <translation>完成。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/classify.py" line="37"/>
        <source>Classify a text</source>
        <translation>文本分类</translation>
    </message>
    <message>
        <location filename="../../gui/panels/classify.py" line="77"/>
        <source>Classify a file</source>
        <translation>文件分类</translation>
    </message>
    <message>
        <location filename="../../gui/panels/classify.py" line="79"/>
        <source>Classify file</source>
        <translation>分类文件</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="50"/>
        <source>Compress a classifier</source>
        <translation>压缩分类器</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="53"/>
        <source>Compress</source>
        <translation>压缩</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="57"/>
        <source>Faces</source>
        <translation>人脸</translation>
    </message>
    <message>
        <location filename="../../gui/panels/faces.py" line="59"/>
        <source>Render</source>
        <translation>渲染</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="47"/>
        <source>Generate text</source>
        <translation>文本生成</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate.py" line="49"/>
        <source>Generate</source>
        <translation>生成</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="88"/>
        <source>Fine-tune a classifier</source>
        <translation>微调分类器</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="90"/>
        <source>Train</source>
        <translation>训练</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="254"/>
        <source>Evaluate a classifier</source>
        <translation>评估分类器</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="256"/>
        <source>Evaluate</source>
        <translation>评估</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="59"/>
        <source>Transcribe</source>
        <translation>语音转写</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="61"/>
        <source>Start</source>
        <translation>开始</translation>
    </message>
    <message>
        <location filename="../../gui/panels/translate.py" line="39"/>
        <location filename="../../gui/panels/translate.py" line="41"/>
        <source>Translate</source>
        <translation>翻译</translation>
    </message>
</context>
<context>
    <name>TrainTab</name>
    <message>
        <location filename="../../gui/panels/train.py" line="28"/>
        <source>macro F1</source>
        <extracomment>what the metric and schedule boxes show (translated), by the value a training takes</extracomment>
        <translation>宏平均 F1</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="28"/>
        <source>accuracy</source>
        <translation>准确率</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="29"/>
        <source>loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="29"/>
        <source>ROC AUC</source>
        <translation>ROC AUC</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="30"/>
        <source>macro precision</source>
        <translation>宏平均精确率</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="31"/>
        <source>macro recall</source>
        <translation>宏平均召回率</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="32"/>
        <source>linear</source>
        <translation>线性</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="32"/>
        <source>cosine</source>
        <translation>余弦</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="95"/>
        <source>optional: a labelled validation file (default: a stratified split of the training file)</source>
        <translation>可选：带标签的验证集文件（默认：从训练集文件中分层划分）</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="98"/>
        <source>name of the new classifier, e.g. support-tickets-v1</source>
        <translation>新分类器的名称，例如 support-tickets-v1</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="99"/>
        <source>Replace a model of that name</source>
        <translation>替换同名模型</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="105"/>
        <source>Training file:</source>
        <translation>训练集文件：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="106"/>
        <source>Validation file:</source>
        <translation>验证集文件：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="107"/>
        <source>New model:</source>
        <translation>新模型：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="110"/>
        <source>maximum number of passes over the training data</source>
        <translation>遍历训练数据的最多轮数</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="111"/>
        <source>peak learning rate of AdamW</source>
        <translation>AdamW 的峰值学习率</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="112"/>
        <source>examples per batch</source>
        <translation>每批样本数</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="113"/>
        <source>batches whose gradients are summed before each optimizer step</source>
        <translation>每次优化器更新前累加梯度的批数</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="114"/>
        <source>tokens per text; longer texts are truncated</source>
        <translation>每条文本的词元数；更长的文本会被截断</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="115"/>
        <source>epochs without improvement before stopping early (0: never)</source>
        <translation>连续多少轮没有提升就提前停止（0：从不）</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="119"/>
        <source>validation metric that picks the best checkpoint and drives early stopping</source>
        <translation>用于挑选最佳检查点并决定早停的验证集指标</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="120"/>
        <source>AdamW weight decay (not on biases and norms)</source>
        <translation>AdamW 权重衰减（不作用于偏置和归一化层）</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="121"/>
        <source>warmup: a share of the steps below 1, else steps</source>
        <translation>预热：小于 1 时为总步数的比例，否则为步数</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="125"/>
        <source>learning-rate decay after warmup</source>
        <translation>预热之后的学习率衰减方式</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="126"/>
        <source>gradient norm clipping (0: off)</source>
        <translation>梯度范数裁剪（0：关闭）</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="127"/>
        <source>K-fold cross-validation reporting mean ± std (0: one split)</source>
        <translation>K 折交叉验证，报告均值 ± 标准差（0：只划分一次）</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="128"/>
        <source>random seed for splits, shuffling and the new head</source>
        <translation>用于数据划分、打乱和新分类头的随机种子</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="129"/>
        <source>Class weights (for imbalanced labels)</source>
        <translation>类别权重（用于类别不均衡的标签）</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="130"/>
        <source>Training settings</source>
        <translation>训练设置</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="133"/>
        <source>Epochs:</source>
        <translation>训练轮数：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="133"/>
        <source>Learning rate:</source>
        <translation>学习率：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="134"/>
        <source>Batch size:</source>
        <translation>批大小：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="134"/>
        <source>Accumulate batches:</source>
        <translation>梯度累积批数：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="135"/>
        <source>Max length:</source>
        <translation>最大长度：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="135"/>
        <source>Early-stop patience:</source>
        <translation>早停耐心值：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="136"/>
        <source>Best by:</source>
        <translation>最佳模型指标：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="137"/>
        <source>Weight decay:</source>
        <translation>权重衰减：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="137"/>
        <source>Warmup:</source>
        <translation>预热：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="138"/>
        <source>Schedule:</source>
        <translation>学习率调度：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="138"/>
        <source>Gradient clip:</source>
        <translation>梯度裁剪：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="139"/>
        <source>K-fold:</source>
        <translation>K 折：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="139"/>
        <source>Seed:</source>
        <translation>随机种子：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="145"/>
        <source>Command line for GPUs…</source>
        <translation>多 GPU 命令行…</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="146"/>
        <source>The torchrun command that runs this training on every GPU of a machine, or of several machines</source>
        <translation>在一台或多台机器的所有 GPU 上运行此训练的 torchrun 命令</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="161"/>
        <source>Training {0}</source>
        <translation>正在训练 {0}</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="166"/>
        <source>Choose a labelled training file first.</source>
        <translation>请先选择带标签的训练集文件。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="169"/>
        <source>Give the new classifier a name.</source>
        <translation>请为新分类器命名。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="195"/>
        <source># every GPU of this machine (one process per GPU):</source>
        <translation># 使用本机的所有 GPU（每个 GPU 一个进程）：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="196"/>
        <source># two machines: run this on the first, and on the second with --node-rank 1
# (the same files at the same paths on both; FIRST_MACHINE_ADDRESS reachable from the second)</source>
        <translation># 两台机器：在第一台上运行此命令，在第二台上加 --node-rank 1 运行
# （两台机器的相同路径下需有相同的文件；第二台须能访问 FIRST_MACHINE_ADDRESS）</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="201"/>
        <source>Train on GPUs with torchrun</source>
        <translation>用 torchrun 在多个 GPU 上训练</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="207"/>
        <source>The command for one machine is on the clipboard. The results match a training here: the batch size is the batch of each step, shared between the GPUs.</source>
        <translation>单机命令已复制到剪贴板。结果与在这里训练一致：批大小是每一步的批，由各 GPU 分担。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="214"/>
        <source>The torchrun command is on the clipboard.</source>
        <translation>torchrun 命令已复制到剪贴板。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="222"/>
        <source>Stopped before the first epoch ended: no model was saved.</source>
        <translation>在第一轮训练结束前已停止：没有保存模型。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="229"/>
        <source>Stopped: the best checkpoint so far (epoch {0}: {1}) is kept as &apos;{2}&apos;.</source>
        <translation>已停止：目前最好的检查点（第 {0} 轮：{1}）已保存为“{2}”。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="233"/>
        <source>; {0}-fold macro-F1 {1:.3f} ± {2:.3f}</source>
        <translation>；{0} 折宏平均 F1 {1:.3f} ± {2:.3f}</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="234"/>
        <source>Saved &apos;{0}&apos; (best epoch {1}: {2}{3}); it is ready on the Predict tab.</source>
        <translation>已保存“{0}”（最佳轮次 {1}：{2}{3}）；可在“预测”标签页使用。</translation>
    </message>
</context>
<context>
    <name>TranscribePanel</name>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="76"/>
        <source>Look for microphones again</source>
        <extracomment>builds the audio source for a device name; None: the job opens the microphone itself</extracomment>
        <translation>重新查找麦克风</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="78"/>
        <source>Transcribe files…</source>
        <translation>转写文件…</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="79"/>
        <source>Queue sound files (wav, flac, ogg, mp3, …) and transcribe them</source>
        <translation>将音频文件（wav、flac、ogg、mp3 等）加入队列并转写</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="87"/>
        <source>Microphone:</source>
        <translation>麦克风：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="91"/>
        <source>Transcribe</source>
        <translation>语音转写</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="92"/>
        <source>Translate to English</source>
        <translation>翻译成英文</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="97"/>
        <source>Task:</source>
        <translation>任务：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="99"/>
        <source>Language:</source>
        <translation>语言：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="112"/>
        <source>Press Start and speak: the text appears here.</source>
        <translation>点击“开始”后说话，文字会显示在这里。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="116"/>
        <source>Timestamps</source>
        <translation>时间戳</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="118"/>
        <location filename="../../gui/panels/transcribe.py" line="385"/>
        <source>Latency: –</source>
        <translation>延迟：–</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="119"/>
        <source>From the end of speech to its final text</source>
        <translation>从话音结束到得出最终文字的时间</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="120"/>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="122"/>
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="123"/>
        <source>Save as plain text, SRT or WebVTT subtitles</source>
        <translation>保存为纯文本、SRT 或 WebVTT 字幕</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="125"/>
        <source>Edit…</source>
        <translation>编辑…</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="126"/>
        <source>Open the session&apos;s subtitles in the editor</source>
        <translation>在编辑器中打开本次会话的字幕</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="134"/>
        <source>Live</source>
        <translation>实时</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="135"/>
        <source>Files</source>
        <translation>文件</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="139"/>
        <source>Editor</source>
        <translation>编辑器</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="154"/>
        <source>Looking for microphones…</source>
        <translation>正在查找麦克风…</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="163"/>
        <source>  (default)</source>
        <translation>  （默认）</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="165"/>
        <source>No microphone found</source>
        <translation>未找到麦克风</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="177"/>
        <source>Detect automatically</source>
        <translation>自动检测</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="181"/>
        <source>English (this model knows only English)</source>
        <translation>英语（此模型只支持英语）</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="183"/>
        <source>Fixed by the model</source>
        <translation>由模型决定</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="214"/>
        <source>Subtitle cues: at most</source>
        <translation>字幕条目：最长</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="214"/>
        <source>s,</source>
        <translation>秒，</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="215"/>
        <source>lines of</source>
        <translation>行，每行</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="215"/>
        <source>characters; export as</source>
        <translation>个字符宽；导出为</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="224"/>
        <source>How much audio Whisper hears at once. It was trained on 30 s; a shorter window is faster and less accurate (short clips may loop or lose words).</source>
        <translation>Whisper 每次处理的音频长度。模型按 30 秒训练；窗口越短速度越快、准确率越低（短片段可能出现重复或漏词）。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="231"/>
        <source>Encoder window</source>
        <translation>编码器窗口</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="246"/>
        <source>Transcribe sound files</source>
        <translation>转写音频文件</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="247"/>
        <source>Sound files (*.wav *.flac *.ogg *.mp3 *.opus *.aiff *.m4a);;All files (*)</source>
        <translation>音频文件 (*.wav *.flac *.ogg *.mp3 *.opus *.aiff *.m4a);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="267"/>
        <source>Export every finished transcript into</source>
        <translation>将所有已完成的转写导出到</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="281"/>
        <source>Could not export {0}: {1}</source>
        <translation>无法导出 {0}：{1}</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="284"/>
        <source>Exported {0} transcripts to {1}.</source>
        <translation>已将 {0} 份转写导出到 {1}。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="302"/>
        <source>No microphone found: connect one and press the reload button beside the list.</source>
        <translation>未找到麦克风：请连接麦克风，然后点击列表旁的刷新按钮。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="318"/>
        <source> (autosaved in {0})</source>
        <translation>（已自动保存到 {0}）</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="320"/>
        <source>{0} The transcript so far is kept{1}.</source>
        <translation>{0} 已转写的内容会保留{1}。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="322"/>
        <source>Stopped: {0} segments{1}.</source>
        <translation>已停止：{0} 段{1}。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="344"/>
        <source>Latency: {0:.2f} s (median {1:.2f} s)</source>
        <translation>延迟：{0:.2f} 秒（中位数 {1:.2f} 秒）</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="348"/>
        <source>Listening on {0}…</source>
        <translation>正在通过 {0} 收音…</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="401"/>
        <source>Copied {0} segments.</source>
        <translation>已复制 {0} 段。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="404"/>
        <source>Export the transcript</source>
        <translation>导出转写文本</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="413"/>
        <source>Could not export: {0}</source>
        <translation>无法导出：{0}</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="415"/>
        <source>Saved {0}.</source>
        <translation>已保存 {0}。</translation>
    </message>
</context>
<context>
    <name>TranscriptEditor</name>
    <message>
        <location filename="../../gui/widgets/transcript_editor.py" line="44"/>
        <source>&apos;{0}&apos; is not a time (write 00:01:02.500).</source>
        <translation>“{0}”不是有效的时间（请写成 00:01:02.500）。</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/transcript_editor.py" line="79"/>
        <source>Start</source>
        <translation>开始</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/transcript_editor.py" line="79"/>
        <source>End</source>
        <translation>结束</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/transcript_editor.py" line="79"/>
        <source>Text</source>
        <translation>文本</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/transcript_editor.py" line="86"/>
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/transcript_editor.py" line="87"/>
        <source>Split</source>
        <translation>拆分</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/transcript_editor.py" line="88"/>
        <source>Merge with next</source>
        <translation>与下一条合并</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/transcript_editor.py" line="89"/>
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/transcript_editor.py" line="90"/>
        <source>Save…</source>
        <translation>保存…</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/transcript_editor.py" line="142"/>
        <source>A cue needs some text: merge it or delete its words instead.</source>
        <translation>字幕条目不能为空：请合并它，或删除其中的文字。</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/transcript_editor.py" line="148"/>
        <source>A cue must end after it starts.</source>
        <translation>字幕条目的结束时间必须晚于开始时间。</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/transcript_editor.py" line="156"/>
        <source>Edit cue</source>
        <translation>编辑字幕条目</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/transcript_editor.py" line="165"/>
        <source>A cue of one word cannot be split.</source>
        <translation>只有一个词的字幕无法拆分。</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/transcript_editor.py" line="174"/>
        <source>Split cue</source>
        <translation>拆分字幕条目</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/transcript_editor.py" line="183"/>
        <source>Merge cues</source>
        <translation>合并字幕条目</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/transcript_editor.py" line="193"/>
        <source>Save the subtitles</source>
        <translation>保存字幕</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/transcript_editor.py" line="194"/>
        <source>SubRip subtitles (*.srt);;WebVTT subtitles (*.vtt)</source>
        <translation>SubRip 字幕 (*.srt);;WebVTT 字幕 (*.vtt)</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/transcript_editor.py" line="206"/>
        <source>Could not save: {0}</source>
        <translation>无法保存：{0}</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/transcript_editor.py" line="210"/>
        <source>Saved {0}.</source>
        <translation>已保存 {0}。</translation>
    </message>
</context>
<context>
    <name>TranslatePanel</name>
    <message>
        <location filename="../../gui/panels/translate.py" line="51"/>
        <source>Swap the languages</source>
        <translation>交换语言</translation>
    </message>
    <message>
        <location filename="../../gui/panels/translate.py" line="55"/>
        <source>Beam size: more beams weigh more alternatives (slower); 1 is greedy</source>
        <translation>束宽：束越多考虑的候选越多（更慢）；1 为贪心解码</translation>
    </message>
    <message>
        <location filename="../../gui/panels/translate.py" line="57"/>
        <source>Most tokens per translated sentence</source>
        <translation>每句译文的最多词元数</translation>
    </message>
    <message>
        <location filename="../../gui/panels/translate.py" line="58"/>
        <source>auto</source>
        <translation>自动</translation>
    </message>
    <message>
        <location filename="../../gui/panels/translate.py" line="59"/>
        <source>As you type</source>
        <translation>边输入边翻译</translation>
    </message>
    <message>
        <location filename="../../gui/panels/translate.py" line="60"/>
        <source>Translate after each pause in typing; the newest text wins</source>
        <translation>每次停顿输入后翻译；以最新的文本为准</translation>
    </message>
    <message>
        <location filename="../../gui/panels/translate.py" line="63"/>
        <source>Languages:</source>
        <translation>语言：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/translate.py" line="63"/>
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <location filename="../../gui/panels/translate.py" line="63"/>
        <source>to</source>
        <translation>到</translation>
    </message>
    <message>
        <location filename="../../gui/panels/translate.py" line="65"/>
        <source>Decoding:</source>
        <translation>解码：</translation>
    </message>
    <message>
        <location filename="../../gui/panels/translate.py" line="65"/>
        <source>Beam size</source>
        <translation>束宽</translation>
    </message>
    <message>
        <location filename="../../gui/panels/translate.py" line="65"/>
        <source>Max length</source>
        <translation>最大长度</translation>
    </message>
    <message>
        <location filename="../../gui/panels/translate.py" line="68"/>
        <source>Type, paste or open a text to translate…</source>
        <translation>输入、粘贴或打开要翻译的文本…</translation>
    </message>
    <message>
        <location filename="../../gui/panels/translate.py" line="71"/>
        <source>The translation appears here.</source>
        <translation>译文会显示在这里。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/translate.py" line="76"/>
        <source>Open a text…</source>
        <translation>打开文本…</translation>
    </message>
    <message>
        <location filename="../../gui/panels/translate.py" line="78"/>
        <source>Save the translation…</source>
        <translation>保存译文…</translation>
    </message>
    <message>
        <location filename="../../gui/panels/translate.py" line="81"/>
        <source>Translate a document…</source>
        <translation>翻译文档…</translation>
    </message>
    <message>
        <location filename="../../gui/panels/translate.py" line="82"/>
        <source>A .txt, .md, .srt or .vtt file, translated into a new file; its lines, markers, code blocks, cue numbers and timestamps are kept</source>
        <translation>将 .txt、.md、.srt 或 .vtt 文件翻译为新文件；保留其中的分行、标记、代码块、字幕序号和时间戳</translation>
    </message>
    <message>
        <location filename="../../gui/panels/translate.py" line="122"/>
        <source>choose a model</source>
        <translation>请选择模型</translation>
    </message>
    <message>
        <location filename="../../gui/panels/translate.py" line="122"/>
        <source>reading…</source>
        <translation>正在读取…</translation>
    </message>
    <message>
        <location filename="../../gui/panels/translate.py" line="170"/>
        <source>{0} languages.</source>
        <translation>{0} 种语言。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/translate.py" line="175"/>
        <location filename="../../gui/panels/translate.py" line="178"/>
        <source>fixed pair</source>
        <translation>固定语言对</translation>
    </message>
    <message>
        <location filename="../../gui/panels/translate.py" line="177"/>
        <source>{0} through English ({1})</source>
        <translation>{0}（经英语中转，{1}）</translation>
    </message>
    <message>
        <location filename="../../gui/panels/translate.py" line="185"/>
        <source>{0} more target{1} through English.</source>
        <translation>另有 {0} 种目标语言可经英语中转。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/translate.py" line="212"/>
        <source>Choose the language to translate into.</source>
        <translation>请选择目标语言。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/translate.py" line="234"/>
        <source>Type or open a text to translate first.</source>
        <translation>请先输入或打开要翻译的文本。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/translate.py" line="246"/>
        <source>Open a text file</source>
        <translation>打开文本文件</translation>
    </message>
    <message>
        <location filename="../../gui/panels/translate.py" line="259"/>
        <source>Opened {0}.</source>
        <translation>已打开 {0}。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/translate.py" line="263"/>
        <source>Nothing to save yet: translate a text first.</source>
        <translation>还没有可保存的内容：请先翻译文本。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/translate.py" line="266"/>
        <source>Save the translation</source>
        <translation>保存译文</translation>
    </message>
    <message>
        <location filename="../../gui/panels/translate.py" line="266"/>
        <source>Text files (*.txt)</source>
        <translation>文本文件 (*.txt)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/translate.py" line="275"/>
        <source>Saved the translation to {0}.</source>
        <translation>译文已保存到 {0}。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/translate.py" line="280"/>
        <source>Translate a document</source>
        <translation>翻译文档</translation>
    </message>
    <message>
        <location filename="../../gui/panels/translate.py" line="286"/>
        <source>Save the translated document as</source>
        <translation>译后文档另存为</translation>
    </message>
    <message>
        <location filename="../../gui/panels/translate.py" line="302"/>
        <source>Done: {0} passages translated into {1}.</source>
        <translation>完成：已翻译 {0} 段，保存到 {1}。</translation>
    </message>
</context>
<context>
    <name>_DashboardTab</name>
    <message>
        <location filename="../../gui/panels/train.py" line="61"/>
        <source>Epoch lines, notes and the final metrics appear here; the curves on the Dashboard page.</source>
        <translation>每轮训练的记录、提示和最终指标显示在这里；曲线显示在“仪表盘”页。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/train.py" line="63"/>
        <source>Show dashboard</source>
        <translation>显示仪表盘</translation>
    </message>
</context>
<context>
    <name>catalogue_view</name>
    <message>
        <location filename="../../gui/catalogue_view.py" line="90"/>
        <source>
Not verified: {0}</source>
        <translation>
未核实：{0}</translation>
    </message>
    <message>
        <location filename="../../gui/catalogue_view.py" line="91"/>
        <source>Checked: {0}</source>
        <translation>核实于：{0}</translation>
    </message>
</context>
<context>
    <name>classify</name>
    <message>
        <location filename="../../gui/panels/classify.py" line="30"/>
        <source>Data files (*.csv *.tsv *.tab *.jsonl *.ndjson *.json);;All files (*)</source>
        <translation>数据文件 (*.csv *.tsv *.tab *.jsonl *.ndjson *.json);;所有文件 (*)</translation>
    </message>
</context>
<context>
    <name>compress</name>
    <message>
        <location filename="../../gui/panels/compress.py" line="39"/>
        <source>Saved &apos;{0}&apos;.</source>
        <translation>已保存“{0}”。</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="40"/>
        <source>{0:.1f}x faster at batch size 1 with torch</source>
        <translation>批大小为 1 时 torch 版快 {0:.1f} 倍</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="42"/>
        <source>, {0:.1f}x with INT8</source>
        <translation>，INT8 版快 {0:.1f} 倍</translation>
    </message>
    <message>
        <location filename="../../gui/panels/compress.py" line="43"/>
        <source>Saved &apos;{0}&apos;: macro-F1 {1:.3f} ({2:.1%} of the teacher&apos;s), {3}; {4:.1f} MB and {5:,} parameters against {6:.1f} MB and {7:,}.</source>
        <translation>已保存“{0}”：宏平均 F1 {1:.3f}（为教师模型的 {2:.1%}），{3}；{4:.1f} MB、{5:,} 个参数，教师模型为 {6:.1f} MB、{7:,} 个参数。</translation>
    </message>
</context>
<context>
    <name>crash_report</name>
    <message>
        <location filename="../../gui/crash_report.py" line="66"/>
        <source> ({0} older ones are beside it)</source>
        <translation>（旁边还有 {0} 个更早的日志）</translation>
    </message>
    <message>
        <location filename="../../gui/crash_report.py" line="67"/>
        <source>The last ModelDesk session crashed.</source>
        <translation>上次运行的 ModelDesk 崩溃了。</translation>
    </message>
    <message>
        <location filename="../../gui/crash_report.py" line="68"/>
        <source>Its crash log is {0}{1}; please attach it to a bug report.</source>
        <translation>崩溃日志为 {0}{1}；请在报告问题时附上它。</translation>
    </message>
</context>
<context>
    <name>faces</name>
    <message>
        <location filename="../../gui/panels/faces.py" line="257"/>
        <source>Could not save: {0}</source>
        <translation>无法保存：{0}</translation>
    </message>
</context>
<context>
    <name>generate_context</name>
    <message>
        <location filename="../../gui/panels/generate_context.py" line="21"/>
        <source>Drop the oldest turns (keep the system prompt)</source>
        <extracomment>the overflow policies as shown (translated where shown, context &quot;generate_context&quot;)</extracomment>
        <translation>丢弃最早的几轮对话（保留系统提示词）</translation>
    </message>
    <message>
        <location filename="../../gui/panels/generate_context.py" line="22"/>
        <source>Stop and ask</source>
        <translation>暂停并询问</translation>
    </message>
</context>
<context>
    <name>i18n</name>
    <message>
        <location filename="../../gui/i18n.py" line="78"/>
        <source>The language changes at the next start.</source>
        <extracomment>the languages the interface is translated into (locale name, name shown in that language) CJK fonts in order of preference, Simplified Chinese faces first (Noto CJK is what setup.sh installs)</extracomment>
        <translation>界面语言将在下次启动时更改。</translation>
    </message>
</context>
<context>
    <name>labelled_file</name>
    <message>
        <location filename="../../gui/widgets/labelled_file.py" line="17"/>
        <source>Labelled data (*.csv *.tsv *.tab *.jsonl *.ndjson *.json);;All files (*)</source>
        <translation>带标签的数据 (*.csv *.tsv *.tab *.jsonl *.ndjson *.json);;所有文件 (*)</translation>
    </message>
</context>
<context>
    <name>pages</name>
    <message>
        <location filename="../../gui/panels/__init__.py" line="10"/>
        <source>Classify</source>
        <translation>分类</translation>
    </message>
    <message>
        <location filename="../../gui/panels/__init__.py" line="11"/>
        <source>Generate</source>
        <translation>生成</translation>
    </message>
    <message>
        <location filename="../../gui/panels/__init__.py" line="12"/>
        <source>Translate</source>
        <translation>翻译</translation>
    </message>
    <message>
        <location filename="../../gui/panels/__init__.py" line="13"/>
        <source>Faces</source>
        <translation>人脸</translation>
    </message>
    <message>
        <location filename="../../gui/panels/__init__.py" line="14"/>
        <source>Transcribe</source>
        <translation>语音转写</translation>
    </message>
    <message>
        <location filename="../../gui/panels/__init__.py" line="15"/>
        <source>Dashboard</source>
        <translation>仪表盘</translation>
    </message>
    <message>
        <location filename="../../gui/panels/__init__.py" line="16"/>
        <source>Models</source>
        <translation>模型</translation>
    </message>
</context>
<context>
    <name>transcribe</name>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="44"/>
        <source>Plain text (*.txt);;SubRip subtitles (*.srt);;WebVTT subtitles (*.vtt)</source>
        <translation>纯文本 (*.txt);;SubRip 字幕 (*.srt);;WebVTT 字幕 (*.vtt)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="46"/>
        <source>30 s (as trained)</source>
        <extracomment>the encoder windows offered for files: 30 s as Whisper was trained, shorter only by choice</extracomment>
        <translation>30 秒（与训练时相同）</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="47"/>
        <source>20 s (faster, less accurate)</source>
        <translation>20 秒（更快，准确率较低）</translation>
    </message>
    <message>
        <location filename="../../gui/panels/transcribe.py" line="48"/>
        <source>10 s (fastest, least accurate)</source>
        <translation>10 秒（最快，准确率最低）</translation>
    </message>
</context>
<context>
    <name>translate</name>
    <message>
        <location filename="../../gui/panels/translate.py" line="26"/>
        <source>Documents (*.txt *.md *.srt *.vtt);;All files (*)</source>
        <extracomment>how long typing must pause before the text is translated</extracomment>
        <translation>文档 (*.txt *.md *.srt *.vtt);;所有文件 (*)</translation>
    </message>
</context>
</TS>
